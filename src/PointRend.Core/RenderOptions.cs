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

    /// <summary>
    /// The adaptive budget: a step refines only cells whose top-two logit gap (top1 - top2, the negated
    /// uncertainty) is at most this, up to PointsPerStep of them; the others are certain enough that the point head
    /// would rarely change their label. +infinity (the default) refines PointsPerStep cells per step as detectron2
    /// does. Must be &gt;= 0 (not NaN); only checked in PointRend mode.
    /// </summary>
    public float MaxGap { get; init; } = float.PositiveInfinity;

    /// <summary>
    /// The least uncertainty (top2 - top1) a cell may have and still be refined under <paramref name="maxGap"/>;
    /// -infinity when there is no bound, so that every cell (even one whose gap is +infinity) stays eligible.
    /// </summary>
    internal static float LeastUncertainty(float maxGap) => float.IsPositiveInfinity(maxGap) ? float.NegativeInfinity : -maxGap;
}
