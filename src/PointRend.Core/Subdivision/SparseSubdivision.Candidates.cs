// Shape shorthand: H x W grid of a level, cells = H * W.
// Coordinates: cells are raster indices i * W + j of the level they belong to; (y, x) is row y, column x.
using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>The cells a selection has to look at, with their exact uncertainty.</summary>
internal sealed partial class SparseSubdivision
{
    /// <summary>
    /// Cells with SortableKey(bound) &gt;= minKey and an exact uncertainty &gt;= floor, in raster order, with their
    /// exact uncertainty.
    /// </summary>
    private int Candidates(SparseLevel level, int step, uint minKey, float floor, int[] cells, float[] uncertainty)
    {
        // key(v) >= minKey exactly when v >= the float whose key is minKey (keys are monotone).
        float min = FloatOfKey(minKey);
        int width = level.Width;
        int words = (width + 63) >> 6;
        ulong[] marks = ArrayPool<ulong>.Shared.Rent(level.Height * words);
        try
        {
            // Finding the cells reads the whole level and can share the threads; computing them memoises logits in
            // the slots, so it stays on the caller, in raster order. A computed cell changes only its own bound.
            RowPass.Run(new BoundRows(level, min, marks, words), level.Height, _threads);
            float[] bound = level.Bound;
            byte[] labels = level.Labels;
            int[] slots = level.Slot;
            int stride = level.Stride;
            int n = 0;
            for (int y = 0; y < level.Height; y++)
            {
                for (int w = 0; w < words; w++)
                {
                    for (ulong bits = marks[(y * words) + w]; bits != 0; bits &= bits - 1)
                    {
                        int x = (w << 6) + BitOperations.TrailingZeroCount(bits);
                        int cell = (y * width) + x;

                        // Invariant at the level being selected: a cell with a slot has its exact uncertainty in Bound.
                        if (slots[cell] < 0)
                        {
                            int slot = Compute(step, level, y, x, cell);
                            (labels[cell], bound[cell]) = LabelAndUncertainty(level.Store, slot * stride, stride);
                        }

                        if (bound[cell] >= floor)
                        {
                            cells[n] = cell;
                            uncertainty[n] = bound[cell];
                            n++;
                        }
                    }
                }
            }

            return n;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(marks);
        }
    }

    /// <summary>Marks, one bit per cell (words per row), the cells of a level whose bound is at least min.</summary>
    private sealed class BoundRows(SparseLevel level, float min, ulong[] marks, int words) : IRowWork
    {
        public void Rows(int start, int end)
        {
            int width = level.Width;
            var threshold = Vector256.Create(min);
            ref float bounds = ref MemoryMarshal.GetArrayDataReference(level.Bound);
            for (int y = start; y < end; y++)
            {
                var row = marks.AsSpan(y * words, words);
                row.Clear();
                int offset = y * width;
                int x = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    // x steps by 8 from 0, so a vector's eight bits never straddle two words.
                    for (; x <= width - 8; x += 8)
                    {
                        uint found = Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref bounds, (nuint)(offset + x)), threshold).ExtractMostSignificantBits();
                        if (found != 0)
                        {
                            row[x >> 6] |= (ulong)found << (x & 63);
                        }
                    }
                }

                for (; x < width; x++)
                {
                    if (level.Bound[offset + x] >= min)
                    {
                        row[x >> 6] |= 1UL << x;
                    }
                }
            }
        }
    }
}
