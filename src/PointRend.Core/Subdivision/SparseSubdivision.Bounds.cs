// Shape shorthand: K classes, H x W grid of a level, cells = H * W.
// Coordinates: cells are raster indices i * W + j of the level they belong to.
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PointRend.Core;

/// <summary>Labels and uncertainty bounds of a level from the one below, without logits.</summary>
internal sealed partial class SparseSubdivision
{
    /// <summary>The lowest key of the top histogram bins (of the bounds' top key bits) that hold at least take cells.</summary>
    private static uint TopBinsKey(SparseLevel level, int take)
    {
        Span<int> histogram = stackalloc int[Bins];
        histogram.Clear();
        var bound = level.Bound.AsSpan(0, level.Cells);
        foreach (float u in bound)
        {
            histogram[(int)(PointSelection.SortableKey(u) >> KeyShift)]++;
        }

        int need = take;
        int bin = Bins - 1;
        for (; bin > 0 && histogram[bin] < need; bin--)
        {
            need -= histogram[bin];
        }

        return (uint)bin << KeyShift;
    }

    /// <summary>
    /// Labels and uncertainty bounds of a new level from the one below. The bound of a cell whose four sources share
    /// their label is the same convex combination of their bounds as the cell is of their logits (plus delta), so a
    /// cell mostly made of certain cells is nearly as certain; a cell whose sources disagree gets +infinity.
    /// </summary>
    private void PropagateBounds(SparseLevel parent, SparseLevel level) =>
        RowPass.Run(new BoundsRows(parent, level, Delta()), level.Height, _threads);

    /// <summary>PropagateBounds for a range of the new level's rows (each written from the two rows below it only).</summary>
    private sealed class BoundsRows(SparseLevel parent, SparseLevel level, float delta) : IRowWork
    {
        public void Rows(int start, int end)
        {
            int width = level.Width;
            int parentWidth = parent.Width;
            var rows = level.Rows!;
            int[] vLabels = ArrayPool<int>.Shared.Rent(parentWidth);
            float[] vBound = ArrayPool<float>.Shared.Rent(parentWidth);
            try
            {
                int lastT = -1;
                int lastB = -1;
                for (int y = start; y < end; y++)
                {
                    int t = rows.FirstOf(y) * parentWidth;
                    int b = rows.SecondOf(y) * parentWidth;
                    if (t != lastT || b != lastB)
                    {
                        // Rows 2i+1 and 2i+2 blend the same two rows below (with other weights), so they share the labels.
                        MergeLabels(parent.Labels.AsSpan(t, parentWidth), parent.Labels.AsSpan(b, parentWidth), vLabels.AsSpan(0, parentWidth));
                        (lastT, lastB) = (t, b);
                    }

                    BlendBounds(parent.Bound.AsSpan(t, parentWidth), parent.Bound.AsSpan(b, parentWidth), rows.FirstWeightOf(y), rows.SecondWeightOf(y), 0f,
                        vBound.AsSpan(0, parentWidth));
                    ExpandRow2x(vLabels.AsSpan(0, parentWidth), vBound.AsSpan(0, parentWidth), delta,
                        level.Labels.AsSpan(y * width, width), level.Bound.AsSpan(y * width, width));
                }

                level.ClearSlots(start, end);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(vLabels);
                ArrayPool<float>.Shared.Return(vBound);
            }
        }
    }

    /// <summary>The label two rows share per column, or Mixed.</summary>
    private static void MergeLabels(ReadOnlySpan<byte> upper, ReadOnlySpan<byte> lower, Span<int> merged)
    {
        int j = 0;
        if (Avx2.IsSupported)
        {
            ref byte u = ref MemoryMarshal.GetReference(upper);
            ref byte l = ref MemoryMarshal.GetReference(lower);
            ref int m = ref MemoryMarshal.GetReference(merged);
            var mixed = Vector256.Create(Mixed);
            for (; j <= merged.Length - 8; j += 8)
            {
                var a = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref u, j))).AsByte());
                var b = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, j))).AsByte());
                Vector256.ConditionalSelect(Vector256.Equals(a, b), a, mixed).StoreUnsafe(ref m, (nuint)j);
            }
        }

        for (; j < merged.Length; j++)
        {
            merged[j] = upper[j] == lower[j] ? upper[j] : Mixed;
        }
    }

    /// <summary>
    /// One row of bounds across an exact 2x in width, with BilinearUpsample's column taps written out: output 0 is
    /// input 0; 2j+1 and 2j+2 are 3:1 and 1:3 of inputs j and j+1; the last is input w-1 (weights 3:1 of itself).
    /// </summary>
    private static void ExpandRow2x(ReadOnlySpan<int> labels, ReadOnlySpan<float> bounds, float delta, Span<byte> outLabels, Span<float> outBounds)
    {
        int w = labels.Length;
        outLabels[0] = (byte)labels[0];
        outBounds[0] = Pair(labels[0], labels[Math.Min(1, w - 1)], bounds[0], bounds[Math.Min(1, w - 1)], 1f, 0f, delta);
        outLabels[(2 * w) - 1] = (byte)labels[w - 1];
        outBounds[(2 * w) - 1] = Pair(labels[w - 1], labels[w - 1], bounds[w - 1], bounds[w - 1], 0.75f, 0.25f, delta);
        int j = 0;
        if (Avx2.IsSupported)
        {
            ref int l = ref MemoryMarshal.GetReference(labels);
            ref float u = ref MemoryMarshal.GetReference(bounds);
            ref float o = ref MemoryMarshal.GetReference(outBounds);
            ref byte ol = ref MemoryMarshal.GetReference(outLabels);
            var quarter = Vector256.Create(0.25f);
            var threeQuarters = Vector256.Create(0.75f);
            var d = Vector256.Create(delta);
            var infinity = Vector256.Create(float.PositiveInfinity);
            var mixed = Vector256.Create(Mixed);
            for (; j + 8 < w; j += 8)
            {
                var la = Vector256.LoadUnsafe(ref l, (nuint)j);
                var lb = Vector256.LoadUnsafe(ref l, (nuint)(j + 1));
                var same = (Vector256.Equals(la, lb) & ~Vector256.Equals(la, mixed)).AsSingle();
                var a = Vector256.LoadUnsafe(ref u, (nuint)j);
                var b = Vector256.LoadUnsafe(ref u, (nuint)(j + 1));
                var odd = Vector256.ConditionalSelect(same, (threeQuarters * a) + (quarter * b) + d, infinity);
                var even = Vector256.ConditionalSelect(same, (quarter * a) + (threeQuarters * b) + d, infinity);
                var low = Avx.UnpackLow(odd, even);
                var high = Avx.UnpackHigh(odd, even);
                Avx.Permute2x128(low, high, 0x20).StoreUnsafe(ref o, (nuint)((2 * j) + 1));
                Avx.Permute2x128(low, high, 0x31).StoreUnsafe(ref o, (nuint)((2 * j) + 9));

                // Each label twice, as bytes: the low byte of a 16-bit lane l | l << 8 (Mixed's byte is 0xFF, as the
                // scalar cast writes it).
                var pairs = Vector128.Narrow(la.GetLower(), la.GetUpper());
                ((pairs & Vector128.Create((short)0xFF)) | (pairs << 8)).AsByte().StoreUnsafe(ref ol, (nuint)((2 * j) + 1));
            }
        }

        for (; j < w - 1; j++)
        {
            byte label = (byte)labels[j];
            outLabels[(2 * j) + 1] = label;
            outLabels[(2 * j) + 2] = label;
            outBounds[(2 * j) + 1] = Pair(labels[j], labels[j + 1], bounds[j], bounds[j + 1], 0.75f, 0.25f, delta);
            outBounds[(2 * j) + 2] = Pair(labels[j], labels[j + 1], bounds[j], bounds[j + 1], 0.25f, 0.75f, delta);
        }
    }

    private static float Pair(int labelA, int labelB, float a, float b, float wa, float wb, float delta) =>
        labelA == labelB && labelA != Mixed ? (wa * a) + (wb * b) + delta : float.PositiveInfinity;

    /// <summary>output[x] = w0 * upper[x] + w1 * lower[x] + delta (an upper bound, so any rounding is covered by delta).</summary>
    private static void BlendBounds(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, float w0, float w1, float delta, Span<float> output)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var v0 = new Vector<float>(w0);
            var v1 = new Vector<float>(w1);
            var d = new Vector<float>(delta);
            for (; x <= output.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                ((v0 * new Vector<float>(upper[x..])) + (v1 * new Vector<float>(lower[x..])) + d).CopyTo(output[x..]);
            }
        }

        for (; x < output.Length; x++)
        {
            output[x] = (w0 * upper[x]) + (w1 * lower[x]) + delta;
        }
    }
}
