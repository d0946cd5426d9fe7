using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Tiling;

/// <summary>Sends images larger than <see cref="TilingOptions.TileSize"/> through <see cref="TiledSegmenter"/>; everything else straight on.</summary>
public sealed class TilingJobRunner(ISegmentJobRunner inner, TiledSegmenter tiles) : ISegmentJobRunner
{
    public Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken) =>
        tiles.ShouldTile(request)
            ? tiles.RunAsync(request, context, onTile: null, cancellationToken)
            : inner.RunAsync(request, context, cancellationToken);
}
