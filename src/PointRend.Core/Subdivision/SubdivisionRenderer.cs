// Shape shorthand: K classes, C channels per feature map, h x w coarse grid, S steps, N points per step,
// H x W output grid; all logits are K x H x W, channel-major.
// Coordinates: normalised [0, 1]; cell centres ((j + 0.5) / W, (i + 0.5) / H); align_corners=false everywhere
// (docs/model-contract.md, "Semantics the engine must reproduce exactly").
using System.Buffers;

namespace PointRend.Core;

/// <summary>PointRend inference (detectron2 semantic_seg.py): coarse, adaptive subdivision, or dense.</summary>
public static class SubdivisionRenderer
{
    /// <summary>The most points handed to <see cref="IPointHead.Predict"/> at once; bounds the point buffers.</summary>
    public const int MaxPointsPerPredict = 65536;

    /// <summary>Upper bound on RenderOptions.Steps (each step quadruples the grid).</summary>
    public const int MaxSteps = 8;

    /// <summary>
    /// coarse: K x h x w logits. features: the fine maps in model.json order, each of its own size, not including
    /// the coarse logits. Point features are each map's channels in order, then the K coarse logits, always
    /// sampled from <paramref name="coarse"/> itself (not from the refined logits of the previous step).
    /// </summary>
    public static RenderResult Render(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        RenderValidation.Validate(coarse, features, head, options);
        return options.Mode switch
        {
            RenderMode.Coarse => RenderCoarse(coarse, options),
            RenderMode.Dense => RenderDense(coarse, features, head, options),
            _ => RenderSubdivision(coarse, features, head, options),
        };
    }

    private static RenderResult RenderCoarse(FeatureMap coarse, RenderOptions options)
    {
        int classes = coarse.Channels;
        float[] output = Rent(classes * options.OutputHeight * options.OutputWidth);
        BilinearUpsample.Resize(coarse.Data.Span, classes, coarse.Height, coarse.Width, output, options.OutputHeight, options.OutputWidth);
        return new RenderResult(output, classes, options.OutputHeight, options.OutputWidth, 0, null, null);
    }

    private static RenderResult RenderDense(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        int classes = coarse.Channels;
        int height = options.OutputHeight;
        int width = options.OutputWidth;
        int cells = height * width;
        float[] output = Rent(classes * cells);
        int[]? indices = null;
        try
        {
            using var runner = new PointHeadRunner(coarse, features, head, cells);
            indices = ArrayPool<int>.Shared.Rent(runner.Capacity);
            for (int start = 0; start < cells; start += runner.Capacity)
            {
                int count = Math.Min(runner.Capacity, cells - start);
                for (int p = 0; p < count; p++)
                {
                    indices[p] = start + p;
                }

                runner.PredictAndScatter(indices.AsSpan(0, count), height, width, output);
            }
        }
        catch
        {
            ArrayPool<float>.Shared.Return(output);
            throw;
        }
        finally
        {
            if (indices is not null)
            {
                ArrayPool<int>.Shared.Return(indices);
            }
        }

        return new RenderResult(output, classes, height, width, cells, null, null);
    }

    private static RenderResult RenderSubdivision(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        if (!options.FullGridSteps && SparseSubdivision.TryRender(coarse, features, head, options) is { } sparse)
        {
            return sparse;
        }

        return RenderFullGrid(coarse, features, head, options);
    }

    private static RenderResult RenderFullGrid(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        int classes = coarse.Channels;
        int height = coarse.Height;
        int width = coarse.Width;
        var recorded = options.RecordPoints ? new List<int[]>(options.Steps) : null;
        var grids = new List<(int Height, int Width)>(options.Steps);
        int refined = 0;
        float floor = RenderOptions.LeastUncertainty(options.MaxGap);
        float[]? current = Rent(classes * height * width);
        try
        {
            coarse.Data.Span.CopyTo(current);
            long largestStep = Math.Min(options.PointsPerStep, ((long)height << options.Steps) * (width << options.Steps));
            using var runner = new PointHeadRunner(coarse, features, head, (int)Math.Min(largestStep, MaxPointsPerPredict));
            for (int step = 1; step <= options.Steps; step++)
            {
                float[] next = Rent(classes * height * width * 4);
                BilinearUpsample.Upsample2x(current, classes, height, width, next);
                ArrayPool<float>.Shared.Return(current);
                current = next;
                height *= 2;
                width *= 2;
                int selected = RefineStep(runner, current, classes, height, width, options.PointsPerStep, floor, recorded);
                refined += selected;
                grids.Add((height, width));
            }

            if (height == options.OutputHeight && width == options.OutputWidth)
            {
                var done = new RenderResult(current, classes, height, width, refined, recorded, grids);
                current = null;
                return done;
            }

            float[] output = Rent(classes * options.OutputHeight * options.OutputWidth);
            BilinearUpsample.Resize(current, classes, height, width, output, options.OutputHeight, options.OutputWidth);
            return new RenderResult(output, classes, options.OutputHeight, options.OutputWidth, refined, recorded, grids);
        }
        finally
        {
            if (current is not null)
            {
                ArrayPool<float>.Shared.Return(current);
            }
        }
    }

    /// <summary>
    /// One subdivision step on already upsampled logits: uncertainty, select, drop the cells less uncertain than
    /// floor, predict, overwrite.
    /// </summary>
    private static int RefineStep(PointHeadRunner runner, float[] logits, int classes, int height, int width, int points, float floor, List<int[]>? recorded)
    {
        int cells = height * width;
        int take = Math.Min(points, cells);
        float[] uncertainty = Rent(cells);
        int[] selected = ArrayPool<int>.Shared.Rent(take);
        try
        {
            // Uncertainty comes from the upsampled logits themselves (not from an upsampled uncertainty map), as in
            // detectron2: with logits (0, 1) and (1, 0) in neighbouring cells, the midpoint is (0.5, 0.5), the most
            // uncertain point of all, while interpolating the two gaps (-1, -1) would claim it is as certain as they.
            UncertaintyMap.TopTwoGap(logits, classes, cells, uncertainty);
            // Recording callers (figures, tests) get the documented most-uncertain-first order; the renderer itself
            // only needs the set, in raster order.
            int count = recorded is null
                ? PointSelection.SelectUncertainCells(uncertainty.AsSpan(0, cells), take, selected)
                : PointSelection.SelectMostUncertain(uncertainty.AsSpan(0, cells), take, selected);
            if (floor != float.NegativeInfinity)
            {
                // Dropping the chosen cells below floor equals choosing among the eligible cells only (they are an
                // upper set of the uncertainty, ties included), and keeps either order.
                int kept = 0;
                for (int p = 0; p < count; p++)
                {
                    if (uncertainty[selected[p]] >= floor)
                    {
                        selected[kept++] = selected[p];
                    }
                }

                count = kept;
            }

            var chosen = selected.AsSpan(0, count);
            if (count > 0)
            {
                runner.PredictAndScatter(chosen, height, width, logits);
            }

            recorded?.Add(chosen.ToArray());
            return count;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(uncertainty);
            ArrayPool<int>.Shared.Return(selected);
        }
    }

    private static float[] Rent(int length) => ArrayPool<float>.Shared.Rent(length);
}
