// Shape shorthand: R detections, N points per step, S steps, r0 the initial grid side, m = r0 2^S the mask side;
// logits are R x m x m ([r * m * m + i * m + j]).
// Coordinates: each grid covers its detection's box, cell centres ((j + 0.5) / m, (i + 0.5) / m); upsampling is
// torch F.interpolate(scale_factor=2, bilinear, align_corners=False) per detection plane.
using System.Buffers;

namespace PointRend.Core.Instances;

/// <summary>
/// PointRend instance inference (detectron2 PointRendMaskHead._subdivision_inference; training/pointrend_instance_ref.py):
/// per detection the point head on the r0 x r0 grid, then S steps of the N most uncertain cells (-|logit|, ties to the
/// lower raster index). Every detection of the image goes to the point head together, one call per step.
/// </summary>
public static class MaskRefiner
{
    /// <summary>Most points in one point-head call (R x N together); 83 detections of 784 points fit in one.</summary>
    public const int MaxPointsPerPredict = 65536;

    /// <param name="fine">The detector's fine maps in model.json order (p2, edge, image_norm).</param>
    /// <param name="boxes">R boxes in model-input pixels.</param>
    /// <param name="coarse">R x coarseResolution^2 coarse mask logits (the detection's class).</param>
    public static MaskLogits Refine(
        IReadOnlyList<StridedMap> fine, ReadOnlyMemory<DetectionBox> boxes, ReadOnlyMemory<float> coarse, int coarseResolution,
        IBoxPointHead head, MaskRefineOptions options) => Refine(fine, boxes, coarse, coarseResolution, head, options, fullGridReference: false);

    /// <param name="fullGridReference">The previous host path (an uncertainty copy of every cell, a sort of the
    /// selection): kept so tests can check the faster one gives the same cells and logits.</param>
    internal static MaskLogits Refine(
        IReadOnlyList<StridedMap> fine, ReadOnlyMemory<DetectionBox> boxes, ReadOnlyMemory<float> coarse, int coarseResolution,
        IBoxPointHead head, MaskRefineOptions options, bool fullGridReference)
    {
        Validate(fine, boxes.Length, coarse.Length, coarseResolution, head, options);
        int detections = boxes.Length;
        int res0 = MaskRefineOptions.InitialResolution(coarseResolution, options.PointsPerStep);
        int side = options.MaskResolution(coarseResolution);
        float[] output = ArrayPool<float>.Shared.Rent(Math.Max(1, detections * side * side));
        try
        {
            if (options.Mode == MaskMode.Coarse || detections == 0)
            {
                coarse.Span[..(detections * side * side)].CopyTo(output);
                return new MaskLogits(output, detections, side, 0, null);
            }

            int perDetection = options.Mode switch
            {
                MaskMode.Dense => side * side,
                MaskMode.Grid => res0 * res0,
                _ => Math.Max(res0 * res0, Math.Min(options.PointsPerStep, side * side)),
            };
            int capacity = (int)Math.Min(MaxPointsPerPredict, (long)detections * perDetection);
            using var predictor = new BoxPointPredictor(fine, boxes, coarse, coarseResolution, head, capacity);
            if (options.Mode == MaskMode.Dense)
            {
                PredictAllCells(predictor, detections, side, output);
                return new MaskLogits(output, detections, side, predictor.Predicted, null);
            }

            var recorded = options.RecordPoints ? new List<int[]>(options.Steps) : null;
            output = Subdivide(predictor, detections, res0, options, output, recorded, fullGridReference);
            return new MaskLogits(output, detections, side, predictor.Predicted, recorded);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(output);
            throw;
        }
    }

    /// <summary>The initial grid, then the steps; returns the buffer holding R x m x m (not always the one passed in).</summary>
    private static float[] Subdivide(BoxPointPredictor predictor, int detections, int res0, MaskRefineOptions options, float[] output, List<int[]>? recorded, bool fullGridReference)
    {
        int steps = options.Mode == MaskMode.PointRend ? options.Steps : 0;
        float[] current = steps == 0 ? output : ArrayPool<float>.Shared.Rent(detections * res0 * res0);
        try
        {
            PredictAllCells(predictor, detections, res0, current);
            int res = res0;
            for (int step = 0; step < steps; step++)
            {
                float[] next = step == steps - 1 ? output : ArrayPool<float>.Shared.Rent(detections * res * res * 4);
                if (fullGridReference)
                {
                    BilinearUpsample.Upsample2x(current, detections, res, res, next);
                    RefineStepFullGrid(predictor, detections, res * 2, options.PointsPerStep, next, recorded);
                }
                else
                {
                    RefineStep(predictor, detections, res * 2, options.PointsPerStep, current, next, recorded, options.RefineBound);
                }

                if (current != output)
                {
                    ArrayPool<float>.Shared.Return(current);
                }

                current = next;
                res *= 2;
            }

            return output;
        }
        catch
        {
            if (current != output)
            {
                ArrayPool<float>.Shared.Return(current);
            }

            throw;
        }
    }

    /// <summary>Upsamples <paramref name="coarser"/> (R x res/2 x res/2) into <paramref name="grids"/> one detection at
    /// a time, selecting on each plane while it is still in cache, then predicts and scatters the chosen cells.</summary>
    private static void RefineStep(BoxPointPredictor predictor, int detections, int res, int points, float[] coarser, float[] grids, List<int[]>? recorded, float? bound)
    {
        int half = res / 2;
        int cells = res * res;
        int take = Math.Min(points, cells);
        int[] selected = ArrayPool<int>.Shared.Rent(detections * take);
        int[]? order = recorded is null ? null : new int[detections * take];
        int[]? counts = bound is null ? null : ArrayPool<int>.Shared.Rent(detections);
        try
        {
            // Each detection's upsampling and selection reads and writes only its own planes (and its own scratch
            // keys), so detections go to the head's threads when it has more than one.
            void Select(int r, uint[] keys)
            {
                // Uncertainty -|logit| (detectron2 calculate_uncertainty) is ranked straight from the logits' bits,
                // and the cells come out in raster order, which is the order sampling and the scatter want.
                BilinearUpsample.Upsample2x(coarser.AsSpan(r * half * half, half * half), 1, half, half, grids.AsSpan(r * cells, cells));
                var own = selected.AsSpan(r * take, take);
                PointSelection.SelectSmallestMagnitude(grids.AsSpan(r * cells, cells), take, keys, own);
                int kept = take;
                if (counts is not null)
                {
                    kept = counts[r] = KeepBelow(grids.AsSpan(r * cells, cells), own, bound!.Value);
                }

                if (order is not null)
                {
                    var ordered = order.AsSpan(r * take, take);
                    ordered.Fill(-1);
                    own[..kept].CopyTo(ordered);
                    PointSelection.SortByUncertainty(keys.AsSpan(0, cells), ordered[..kept]);
                }
            }

            if (detections > 1 && predictor.HostParallel.MaxDegreeOfParallelism > 1)
            {
                Parallel.For(
                    0, detections, predictor.HostParallel, () => ArrayPool<uint>.Shared.Rent(cells),
                    (r, _, keys) =>
                    {
                        Select((int)r, keys);
                        return keys;
                    },
                    keys => ArrayPool<uint>.Shared.Return(keys));
            }
            else
            {
                uint[] keys = ArrayPool<uint>.Shared.Rent(cells);
                try
                {
                    for (int r = 0; r < detections; r++)
                    {
                        Select(r, keys);
                    }
                }
                finally
                {
                    ArrayPool<uint>.Shared.Return(keys);
                }
            }

            if (order is not null)
            {
                recorded!.Add(order);
            }

            if (counts is null)
            {
                PredictGroups(predictor, detections, take, res, selected, grids, default);
                return;
            }

            // Ragged counts: one call still takes P = the largest count for every detection; a shorter detection's
            // extra points repeat its last (largest) cell so they sort behind its own, and are neither predicted by
            // the MLP nor scattered.
            int most = 0;
            for (int r = 0; r < detections; r++)
            {
                most = Math.Max(most, counts[r]);
            }

            if (most == 0)
            {
                return;
            }

            for (int r = 0; r < detections; r++)
            {
                var own = selected.AsSpan(r * take, take);
                int n = counts[r];
                own[..n].CopyTo(selected.AsSpan(r * most, n));
            }

            for (int r = 0; r < detections; r++)
            {
                int n = counts[r];
                selected.AsSpan((r * most) + n, most - n).Fill(n > 0 ? selected[(r * most) + n - 1] : 0);
            }

            PredictGroups(predictor, detections, most, res, selected, grids, counts.AsSpan(0, detections));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(selected);
            if (counts is not null)
            {
                ArrayPool<int>.Shared.Return(counts);
            }
        }
    }

    /// <summary>Keeps (in order) the cells whose |logit| is below bound; returns how many.</summary>
    private static int KeepBelow(ReadOnlySpan<float> grid, Span<int> cells, float bound)
    {
        int n = 0;
        foreach (int cell in cells)
        {
            if (MathF.Abs(grid[cell]) < bound)
            {
                cells[n++] = cell;
            }
        }

        return n;
    }

    /// <param name="counts">Empty: every detection's take cells are its own. Else detection r owns counts[r] of them
    /// (0: none, nothing scattered) and the rest repeat its last.</param>
    private static void PredictGroups(BoxPointPredictor predictor, int detections, int take, int res, int[] selected, float[] grids, ReadOnlySpan<int> counts)
    {
        int group = Math.Max(1, MaxPointsPerPredict / take);
        for (int first = 0; first < detections; first += group)
        {
            int count = Math.Min(group, detections - first);
            predictor.PredictAndScatter(first, count, selected.AsSpan(first * take, count * take), take, res, grids, counts.IsEmpty ? counts : counts.Slice(first, count));
        }
    }

    private static void RefineStepFullGrid(BoxPointPredictor predictor, int detections, int res, int points, float[] grids, List<int[]>? recorded)
    {
        int cells = res * res;
        int take = Math.Min(points, cells);
        float[] uncertainty = ArrayPool<float>.Shared.Rent(cells);
        int[] selected = ArrayPool<int>.Shared.Rent(detections * take);
        try
        {
            for (int r = 0; r < detections; r++)
            {
                // Uncertainty of a binary mask logit is -|logit|, taken on the upsampled logits themselves (detectron2
                // calculate_uncertainty), so the cells the 2x upsampling put near 0 are the ones re-predicted.
                var grid = grids.AsSpan(r * cells, cells);
                var u = uncertainty.AsSpan(0, cells);
                for (int i = 0; i < cells; i++)
                {
                    u[i] = -MathF.Abs(grid[i]);
                }

                PointSelection.SelectMostUncertain(u, take, selected.AsSpan(r * take, take));
            }

            recorded?.Add(selected.AsSpan(0, detections * take).ToArray());
            int group = Math.Max(1, MaxPointsPerPredict / take);
            for (int first = 0; first < detections; first += group)
            {
                int count = Math.Min(group, detections - first);
                predictor.PredictAndScatter(first, count, selected.AsSpan(first * take, count * take), take, res, grids);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(uncertainty);
            ArrayPool<int>.Shared.Return(selected);
        }
    }

    /// <summary>The point head on every cell of every detection's res x res grid, as few calls as the cap allows.</summary>
    private static void PredictAllCells(BoxPointPredictor predictor, int detections, int res, float[] grids)
    {
        int cells = res * res;
        if (cells <= MaxPointsPerPredict)
        {
            int group = MaxPointsPerPredict / cells;
            int[] indices = ArrayPool<int>.Shared.Rent(Math.Min(group, detections) * cells);
            try
            {
                for (int i = 0; i < indices.Length; i++)
                {
                    indices[i] = i % cells;
                }

                for (int first = 0; first < detections; first += group)
                {
                    int count = Math.Min(group, detections - first);
                    predictor.PredictAndScatter(first, count, indices.AsSpan(0, count * cells), cells, res, grids);
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(indices);
            }

            return;
        }

        int[] chunk = ArrayPool<int>.Shared.Rent(MaxPointsPerPredict);
        try
        {
            for (int r = 0; r < detections; r++)
            {
                for (int start = 0; start < cells; start += MaxPointsPerPredict)
                {
                    int n = Math.Min(MaxPointsPerPredict, cells - start);
                    for (int p = 0; p < n; p++)
                    {
                        chunk[p] = start + p;
                    }

                    predictor.PredictAndScatter(r, 1, chunk.AsSpan(0, n), n, res, grids);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(chunk);
        }
    }

    private static void Validate(IReadOnlyList<StridedMap> fine, int detections, int coarseLength, int coarseResolution, IBoxPointHead head, MaskRefineOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(coarseResolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PointsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Steps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Steps, MaskRefineOptions.MaxSteps);
        if (options.RefineBound is { } bound && !(bound > 0f && float.IsFinite(bound)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), bound, "MaskRefineOptions.RefineBound must be a positive finite |logit| (or null for the reference's N cells per step).");
        }

        if (coarseLength < detections * coarseResolution * coarseResolution)
        {
            throw new ArgumentException($"Coarse logits hold {coarseLength} floats; {detections} x {coarseResolution}x{coarseResolution} needed.", nameof(coarseLength));
        }

        int channels = fine.Sum(f => f.Map.Channels) + 1;
        if (head.InChannels != channels)
        {
            throw new ArgumentException($"The point head takes {head.InChannels} channels; the fine maps ({string.Join(" + ", fine.Select(f => f.Map.Channels))}) + 1 coarse logit = {channels}.", nameof(head));
        }
    }
}
