// Shape shorthand: K classes, h x w coarse grid, S steps, N points per step, H x W output grid.
// Coordinates: cells are raster indices i * W + j of the level they belong to; level s is (h * 2^s) x (w * 2^s).
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>
/// The subdivision of <see cref="SubdivisionRenderer"/> without building any K-channel grid: the same selected
/// cells (ties to the lower raster index), the same labels, and on request the same logits, for a fraction of the work.
/// </summary>
/// <remarks>
/// Why it is exact: a 2x-upsampled cell is a convex combination (weights &gt;= 0 summing to 1) of four cells of
/// the level below. If those four share the top class c and each has a top-two gap of at least g, then every
/// logit difference v[c] - v[k] of the new cell is a convex combination of differences that are all &gt;= g, so it
/// is &gt;= g too; float rounding moves it by at most a few ulps of the largest |logit| M, covered by subtracting
/// delta = M * 2^-16 per level. So each cell gets a label and an upper bound on its uncertainty (-gap) without
/// computing its logits; a bound below zero proves the label. Selection then needs exact uncertainties only for the
/// cells whose bound could reach the N-th largest exact uncertainty: every other cell is strictly less uncertain
/// than all N chosen, so it would not have been chosen by the full-grid selection either. Exact logits are computed
/// with BilinearUpsample's own formula and weights, from the exact (memoised) logits of the four cells below, so they
/// are the same floats the full-grid upsample writes.
/// </remarks>
internal sealed partial class SparseSubdivision : IDisposable
{
    private const int KeyShift = 21;
    private const int Bins = 1 << (32 - KeyShift);

    /// <summary>A column whose two rows disagree on the label (in the int row of labels PropagateBounds builds).</summary>
    private const int Mixed = -1;

    private readonly int _classes;
    private readonly SparseLevel[] _levels;

    /// <summary>All-ones in lanes 0..K-1, the logits of a slot; the rest is padding.</summary>
    private readonly Vector512<float> _validLanes512;
    private readonly Vector256<float> _validLanes256;
    private int _count;

    /// <summary>Threads a grid-wide pass may use: the point head's (IntraOpThreads), whose cores the steps already share.</summary>
    private int _threads = 1;
    private float _maxAbs;

    private SparseSubdivision(int classes, int steps)
    {
        _classes = classes;
        _levels = new SparseLevel[steps + 1];
        _validLanes512 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(classes)).AsSingle();
        _validLanes256 = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(classes)).AsSingle();
    }

    /// <summary>
    /// Null when the sparse path does not apply (one class, more than 256 classes, no steps, or a non-finite logit
    /// anywhere); the caller then runs the full-grid algorithm, which gives the same result.
    /// </summary>
    public static RenderResult? TryRender(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        int classes = coarse.Channels;
        if (classes < 2 || classes > 256 || options.Steps < 1)
        {
            return null;
        }

        float maxAbs = MaxAbs(coarse.Data.Span);
        if (!float.IsFinite(maxAbs))
        {
            return null;
        }

        using var sparse = new SparseSubdivision(classes, options.Steps)
        {
            _maxAbs = maxAbs,
            _threads = head is ParallelMlpPointHead parallel ? parallel.Threads : 1,
        };
        return sparse.Run(coarse, features, head, options);
    }

    private RenderResult? Run(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        int classes = _classes;
        var replay = new SubdivisionReplay(coarse.Data.Span, classes, coarse.Height, coarse.Width);
        byte[]? labels = null;
        try
        {
            AddCoarseLevel(coarse);
            var recorded = options.RecordPoints ? new List<int[]>(options.Steps) : null;
            var grids = new List<(int Height, int Width)>(options.Steps);
            int refined = 0;
            float floor = RenderOptions.LeastUncertainty(options.MaxGap);
            long largestStep = Math.Min(options.PointsPerStep, ((long)coarse.Height << options.Steps) * (coarse.Width << options.Steps));
            using var runner = new PointHeadRunner(coarse, features, head, (int)Math.Min(largestStep, SubdivisionRenderer.MaxPointsPerPredict));
            for (int step = 1; step <= options.Steps; step++)
            {
                var parent = _levels[step - 1];
                int height = parent.Height * 2;
                int width = parent.Width * 2;
                int take = (int)Math.Min(options.PointsPerStep, (long)height * width);
                var level = new SparseLevel(classes, height, width, (int)Math.Min(Math.Max(4L * take, 3L * parent.Used) + 1024, (long)height * width))
                {
                    Rows = new Taps(parent.Height, height),
                    Columns = new Taps(parent.Width, width),
                };
                _levels[step] = level;
                _count = step + 1;

                int[] selected = ArrayPool<int>.Shared.Rent(take);
                float[] predicted = ArrayPool<float>.Shared.Rent(take * classes);
                int index = replay.AddStep(selected, predicted, 0);
                int count = Select(level, step, take, floor, selected, recorded);
                replay.SetCount(index, count);
                if (count > 0)
                {
                    runner.PredictCellMajor(selected.AsSpan(0, count), height, width, predicted);
                    if (!Overwrite(level, selected, count, predicted))
                    {
                        replay.Dispose();
                        return null;
                    }
                }

                refined += count;
                grids.Add((height, width));
            }

            labels = ArrayPool<byte>.Shared.Rent(options.OutputHeight * options.OutputWidth);
            WriteOutputLabels(options.OutputHeight, options.OutputWidth, labels);
            var result = new RenderResult(labels, replay, classes, options.OutputHeight, options.OutputWidth, refined, recorded, grids);
            labels = null;
            replay = null;
            return result;
        }
        finally
        {
            replay?.Dispose();
            if (labels is not null)
            {
                ArrayPool<byte>.Shared.Return(labels);
            }
        }
    }

    private void AddCoarseLevel(FeatureMap coarse)
    {
        int classes = _classes;
        var level = new SparseLevel(classes, coarse.Height, coarse.Width, coarse.Height * coarse.Width);
        level.ClearSlots(0, level.Height);
        _levels[0] = level;
        _count = 1;
        var data = coarse.Data.Span;
        int plane = level.Cells;
        for (int cell = 0; cell < plane; cell++)
        {
            int slot = level.Allocate(cell);
            var logits = level.Store.AsSpan(slot * level.Stride, classes);
            for (int k = 0; k < classes; k++)
            {
                logits[k] = data[(k * plane) + cell];
            }

            (level.Labels[cell], level.Bound[cell]) = LabelAndUncertainty(logits);
        }
    }

    /// <summary>
    /// The (at most) take most uncertain cells of <paramref name="level"/> whose exact uncertainty is at least floor,
    /// ascending, into selected; returns how many. recorded (if not null) gets them in the contract order (most
    /// uncertain first, then lower index).
    /// </summary>
    private int Select(SparseLevel level, int step, int take, float floor, int[] selected, List<int[]>? recorded)
    {
        int cells = level.Cells;
        if (take == cells && floor == float.NegativeInfinity)
        {
            level.ClearSlots(0, level.Height);
            for (int i = 0; i < cells; i++)
            {
                selected[i] = i;
            }

            recorded?.Add(RecordedOrder(step, selected.AsSpan(0, take)));
            return take;
        }

        PropagateBounds(_levels[step - 1], level);
        int[] cellsBuffer = ArrayPool<int>.Shared.Rent(cells);
        float[] uncertainty = ArrayPool<float>.Shared.Rent(cells);
        int[] chosen = ArrayPool<int>.Shared.Rent(take);
        try
        {
            // A cell whose bound is below floor can never be eligible, so no key below floorKey is ever looked at: a
            // cell proven more certain than the bound allows costs no exact logits, which makes the bound cheap.
            uint floorKey = PointSelection.SortableKey(floor);

            // Round 1: every cell whose label is not proven (bound >= 0) needs its exact logits anyway; if those are
            // fewer than take, the cells in the top histogram bins of the bounds holding at least take cells.
            uint firstKey = Math.Max(PointSelection.SortableKey(0f), floorKey);
            int n = Candidates(level, step, firstKey, floor, cellsBuffer, uncertainty);
            if (n < take)
            {
                firstKey = Math.Max(TopBinsKey(level, take), floorKey);
                n = Candidates(level, step, firstKey, floor, cellsBuffer, uncertainty);
            }

            int count = Math.Min(take, n);
            if (count > 0)
            {
                PointSelection.SelectUncertainCells(uncertainty.AsSpan(0, n), count, chosen);
            }

            // Every cell left out has a key below firstKey. If the take-th exact uncertainty is below firstKey too,
            // round 2 takes every cell whose bound reaches it; the take-th can then only rise, so one round is enough.
            // Fewer than take eligible cells: round 2 takes every cell whose bound reaches floor, i.e. all of them.
            uint threshold = count < take ? floorKey : uint.MaxValue;
            for (int p = 0; p < count; p++)
            {
                threshold = Math.Min(threshold, PointSelection.SortableKey(uncertainty[chosen[p]]));
            }

            if (threshold < firstKey)
            {
                n = Candidates(level, step, threshold, floor, cellsBuffer, uncertainty);
                count = Math.Min(take, n);
                if (count > 0)
                {
                    PointSelection.SelectUncertainCells(uncertainty.AsSpan(0, n), count, chosen);
                }
            }

            for (int p = 0; p < count; p++)
            {
                selected[p] = cellsBuffer[chosen[p]];
            }

            if (recorded is not null)
            {
                var order = new int[count];
                if (count > 0)
                {
                    PointSelection.SelectMostUncertain(uncertainty.AsSpan(0, n), count, chosen);
                    for (int p = 0; p < count; p++)
                    {
                        order[p] = cellsBuffer[chosen[p]];
                    }
                }

                recorded.Add(order);
            }

            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(cellsBuffer);
            ArrayPool<float>.Shared.Return(uncertainty);
            ArrayPool<int>.Shared.Return(chosen);
        }
    }

    /// <summary>Selecting every cell: the contract order still needs every cell's exact uncertainty.</summary>
    private int[] RecordedOrder(int step, ReadOnlySpan<int> cells)
    {
        var level = _levels[step];
        int take = cells.Length;
        float[] uncertainty = ArrayPool<float>.Shared.Rent(take);
        try
        {
            for (int p = 0; p < take; p++)
            {
                int y = cells[p] / level.Width;
                int slot = Ensure(step, y, cells[p] - (y * level.Width));
                uncertainty[p] = LabelAndUncertainty(level.Store, slot * level.Stride, level.Stride).Uncertainty;
            }

            var order = new int[take];
            PointSelection.SelectMostUncertain(uncertainty.AsSpan(0, take), take, order);
            for (int p = 0; p < take; p++)
            {
                order[p] = cells[order[p]];
            }

            return order;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(uncertainty);
        }
    }

    /// <summary>The least float whose <see cref="PointSelection.SortableKey"/> is minKey (-inf below every finite key).</summary>
    private static float FloatOfKey(uint key)
    {
        float value = BitConverter.UInt32BitsToSingle((key & 0x8000_0000u) != 0 ? key & 0x7FFF_FFFFu : ~key);
        return float.IsNaN(value) ? float.NegativeInfinity : value;
    }

    /// <summary>
    /// How far float rounding can move a logit difference through one bilinear interpolation, with room to spare:
    /// each interpolated value is within ~4 ulps of M, the bound's own rounding adds ~2 more (delta is 256 ulps of M).
    /// </summary>
    private float Delta() => (_maxAbs * (1f / 65536f)) + 1e-30f;

    /// <summary>Stores the head's logits for the selected cells; false if one is not finite (bounds would not hold).</summary>
    private bool Overwrite(SparseLevel level, int[] cells, int count, float[] predicted)
    {
        // Slots first, on this thread: an allocation may grow the store. Then each cell's copy, label and bound are its
        // own, so the head's threads share them; a non-finite prediction anywhere sends the frame to the full grid,
        // which starts over, so what this pass wrote by then does not matter.
        for (int p = 0; p < count; p++)
        {
            if (level.Slot[cells[p]] < 0)
            {
                level.Allocate(cells[p]);
            }
        }

        var rows = new OverwriteRows(level, cells, predicted, _classes);
        RowPass.Run(rows, count, OverwriteChunk, count >= 2 * OverwriteChunk ? _threads : 1);
        if (!float.IsFinite(rows.MaxAbs))
        {
            return false;
        }

        _maxAbs = MathF.Max(_maxAbs, rows.MaxAbs);
        return true;
    }

    /// <summary>Points per claim of the overwrite pass: some 10 us of copying and scoring.</summary>
    private const int OverwriteChunk = 512;

    private sealed class OverwriteRows(SparseLevel level, int[] cells, float[] predicted, int classes) : IRowWork
    {
        private readonly Lock _gate = new();
        private float _maxAbs;

        /// <summary>max |v| over every prediction written; NaN or infinity if any was not finite.</summary>
        public float MaxAbs => _maxAbs;

        public void Rows(int start, int end)
        {
            float max = SparseSubdivision.MaxAbs(predicted.AsSpan(start * classes, (end - start) * classes));
            for (int p = start; p < end; p++)
            {
                int cell = cells[p];
                var logits = level.Store.AsSpan(level.Slot[cell] * level.Stride, classes);
                predicted.AsSpan(p * classes, classes).CopyTo(logits);
                (level.Labels[cell], level.Bound[cell]) = LabelAndUncertainty(logits);
            }

            lock (_gate)
            {
                // A NaN stays: nothing compares above it.
                if (!float.IsNaN(_maxAbs) && !(max <= _maxAbs))
                {
                    _maxAbs = max;
                }
            }
        }
    }

    /// <summary>max |v|; NaN or infinity if any value is not finite.</summary>
    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        float max = 0f;
        foreach (float v in values)
        {
            float a = Math.Abs(v);
            if (!(a <= max))
            {
                // Larger, or NaN: NaN stays (nothing compares above it), so the caller sees it.
                max = float.IsNaN(a) ? float.NaN : a;
                if (float.IsNaN(max))
                {
                    return max;
                }
            }
        }

        return max;
    }

    public void Dispose()
    {
        for (int i = 0; i < _count; i++)
        {
            _levels[i].Dispose();
        }
    }
}
