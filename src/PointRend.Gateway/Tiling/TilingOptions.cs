namespace PointRend.Gateway.Tiling;

/// <summary>Splitting large images into overlapping tiles that run as separate jobs; section <c>Tiling</c>.</summary>
public sealed class TilingOptions
{
    public const string SectionName = "Tiling";

    /// <summary>Images wider or taller than this many pixels are tiled on Segment and SegmentStream; 0 = never. Default 1024.</summary>
    /// <remarks>SegmentTiled always uses tiles of this size (0 there means one tile: the whole image).</remarks>
    public int TileSize { get; set; } = 1024;

    /// <summary>Pixels neighbouring tiles share; seams sit in the middle, so each kept label has Overlap / 2 of real context. Default 64.</summary>
    public int Overlap { get; set; } = 64;

    /// <summary>
    /// Tiles of one request queued or running at once (each holds its crop and an engine working set of ~100-150 MB at
    /// 1024 px); the next tile is cut when one finishes. Default 1.
    /// </summary>
    /// <remarks>
    /// 1 because ONNX Runtime already spreads one tile's coarse network over every core: on 2 cores a lone 4096x4096
    /// image took as long with 1 as with 2 (16-22 s either way, four pairs of runs on a loaded machine) and peaked about 120 MB lower
    /// (docs/benchmarks.md, issue 12). Raise it where cores outnumber what one tile keeps busy and memory allows, e.g.
    /// distributed mode with several worker processes, where one tile in flight leaves the other workers idle for a lone
    /// large image.
    /// </remarks>
    public int MaxTilesInFlight { get; set; } = 1;

    public IEnumerable<string> Validate()
    {
        if (MaxTilesInFlight < 1)
        {
            yield return $"{SectionName}:{nameof(MaxTilesInFlight)} is {MaxTilesInFlight}; it must be at least 1";
        }

        if (TileSize < 0)
        {
            yield return $"{SectionName}:{nameof(TileSize)} is {TileSize}; it must be 0 (off) or positive";
        }

        if (Overlap < 0 || (TileSize > 0 && Overlap >= TileSize / 2))
        {
            yield return $"{SectionName}:{nameof(Overlap)} is {Overlap}; it must be at least 0 and less than half of {nameof(TileSize)} ({TileSize})";
        }
    }
}
