// Shape shorthand: N points per step, S steps, r0 the initial grid (7 doubled while 4 r0^2 <= N), m the mask side.
// Coordinates: every grid covers its detection's box; cells are raster indices i * m + j.
namespace PointRend.Core.Instances;

/// <summary>How per-detection mask logits are produced (docs/model-contract.md, instance "Modes").</summary>
public enum MaskMode
{
    /// <summary>The detector's coarse 7x7 logits as they are; no point head.</summary>
    Coarse,

    /// <summary>The point head on every cell centre of the initial grid (28x28 for 784 points), no subdivision.</summary>
    Grid,

    /// <summary>The initial grid, then S steps of 2x upsampling and N most uncertain cells re-predicted (224x224 by default).</summary>
    PointRend,

    /// <summary>The point head on every cell of the PointRend output grid (r0 2^S); the costly baseline for benchmarks.</summary>
    Dense,
}

/// <summary>Refinement settings; <see cref="MaskResolution"/> follows from them.</summary>
public sealed record MaskRefineOptions(MaskMode Mode, int PointsPerStep, int Steps)
{
    /// <summary>The paper's and model.json's default: 784 points, 3 steps, 28 -> 224.</summary>
    public static MaskRefineOptions Default { get; } = new(MaskMode.PointRend, 784, 3);

    /// <summary>Upper bound on Steps (each step quadruples the mask's cells).</summary>
    public const int MaxSteps = 5;

    /// <summary>Keep the cells chosen at each step (R x N per step, selection order) for figures and tests.</summary>
    public bool RecordPoints { get; init; }

    /// <summary>
    /// Optional adaptive budget (issue 12), off (null) by default: each PointRend step re-predicts only the cells whose
    /// |logit| after upsampling is below this bound, still at most PointsPerStep per detection (the most uncertain of
    /// them). Not the reference algorithm (issue 10 re-predicts N cells per step); for measuring quality against cost.
    /// Recorded cells of a detection that took fewer than N are padded with -1.
    /// </summary>
    public float? RefineBound { get; init; }

    /// <summary>The side of the mask logits this produces for a coarse side of <paramref name="coarseResolution"/>.</summary>
    public int MaskResolution(int coarseResolution) => Mode switch
    {
        MaskMode.Coarse => coarseResolution,
        MaskMode.Grid => InitialResolution(coarseResolution, PointsPerStep),
        _ => InitialResolution(coarseResolution, PointsPerStep) << Steps,
    };

    /// <summary>detectron2's start of subdivision: the coarse side doubled while 4 res^2 &lt;= points (7 -> 28 for 784).</summary>
    public static int InitialResolution(int coarseResolution, int points)
    {
        int res = coarseResolution;
        while (4L * res * res <= points)
        {
            res *= 2;
        }

        return res;
    }
}
