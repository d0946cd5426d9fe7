using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Tiling;

/// <summary>Sends images larger than <see cref="TilingOptions.TileSize"/> through <see cref="TiledSegmenter"/>; everything else straight on.</summary>
public sealed class TilingJobRunner(ISegmentJobRunner inner, TiledSegmenter tiles) : ISegmentJobRunner
{
    public Task<SegmentResponse> RunAsync(SegmentRequest request, DateTime deadlineUtc, CancellationToken cancellationToken) =>
        tiles.ShouldTile(request)
            ? tiles.RunAsync(request, deadlineUtc, onTile: null, cancellationToken)
            : inner.RunAsync(request, deadlineUtc, cancellationToken);
}
