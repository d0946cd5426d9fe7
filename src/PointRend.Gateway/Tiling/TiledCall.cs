using Grpc.Core;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Tiling;

/// <summary>SegmentTiled: each tile's kept centre as it completes, then the stitched whole.</summary>
public static class TiledCall
{
    public static async Task<int> RunAsync(TiledSegmenter segmenter, SegmentRequest request, IServerStreamWriter<SegmentTiledResponse> stream,
        JobContext job, CancellationToken cancellationToken)
    {
        // Tiles complete concurrently but are written from the one stitching loop, so writes never overlap.
        var whole = await segmenter.RunAsync(request, job,
            tile => stream.WriteAsync(new SegmentTiledResponse { Tile = tile }, cancellationToken), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(new SegmentTiledResponse { Result = whole }, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
