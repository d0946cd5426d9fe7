// Shape shorthand: K classes, C channels, H x W grid, P points.
// Coordinates: normalised [0, 1] over the image; cell (i, j) of an H x W grid has its centre at
// ((j + 0.5) / W, (i + 0.5) / H), i.e. align_corners=false throughout.
namespace PointRend.Core;

/// <summary>How logits are produced at the output size (see docs/model-contract.md, "Modes").</summary>
public enum RenderMode
{
    /// <summary>Bilinear resize of the coarse logits to the output size; no point head.</summary>
    Coarse,

    /// <summary>Adaptive subdivision: Steps x (2x upsample, select uncertain cells, point head, scatter).</summary>
    PointRend,

    /// <summary>The point head at every cell centre of the output grid.</summary>
    Dense,
}

/// <summary>What to render. Steps (0..8) and PointsPerStep (&gt;= 1) are only checked in PointRend mode.</summary>
public sealed record RenderOptions(RenderMode Mode, int Steps, int PointsPerStep, int OutputHeight, int OutputWidth)
{
    /// <summary>Keep the selected cell indices of each step (for figures and tests); costs one int[] per step.</summary>
    public bool RecordPoints { get; init; }

    /// <summary>
    /// Run every PointRend step over the whole grid (upsample all K channels, score and select over every cell), as
    /// detectron2 does, instead of only where a cell's label or rank can change. Same cells, labels and logits; slower.
    /// For tests and benchmarks that compare the two.
    /// </summary>
    public bool FullGridSteps { get; init; }
}
