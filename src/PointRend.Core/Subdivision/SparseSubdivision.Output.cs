// Shape shorthand: K classes, H x W grid of a level, cells = H * W.
// Coordinates: cells are raster indices i * W + j of the level they belong to.
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>Labels at the output size from the last level, through the final resize.</summary>
internal sealed partial class SparseSubdivision
{
    /// <summary>Labels at the output size: the last level's, or through the final resize's taps where they differ.</summary>
    private void WriteOutputLabels(int outHeight, int outWidth, byte[] labels)
    {
        int step = _count - 1;
        var last = _levels[step];
        if (last.Height == outHeight && last.Width == outWidth)
        {
            last.Labels.AsSpan(0, last.Cells).CopyTo(labels);
            return;
        }

        using var rows = new Taps(last.Height, outHeight);
        using var columns = new Taps(last.Width, outWidth);
        int words = (outWidth + 63) >> 6;
        ulong[] pending = ArrayPool<ulong>.Shared.Rent(outHeight * words);
        float[] logits = ArrayPool<float>.Shared.Rent(last.Stride);
        try
        {
            // The proofs read the level only, so they can share the threads; the pixels they leave (a fraction of a
            // percent) get their exact labels here, serially, since those memoise logits in the level's slots.
            RowPass.Run(new OutputRows(last, rows, columns, Delta(), labels, outWidth, pending, words), outHeight, _threads);
            for (int y = 0; y < outHeight; y++)
            {
                for (int w = 0; w < words; w++)
                {
                    for (ulong bits = pending[(y * words) + w]; bits != 0; bits &= bits - 1)
                    {
                        int x = (w << 6) + BitOperations.TrailingZeroCount(bits);
                        labels[(y * outWidth) + x] = ExactOutputLabel(step, rows.FirstOf(y), rows.SecondOf(y), columns.FirstOf(x), columns.SecondOf(x),
                            rows.FirstWeightOf(y), rows.SecondWeightOf(y), columns.FirstWeightOf(x), columns.SecondWeightOf(x), logits);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(pending);
            ArrayPool<float>.Shared.Return(logits);
        }
    }

    /// <summary>The final resize's logits at one output pixel (Resize's formula), then their argmax.</summary>
    private byte ExactOutputLabel(int step, int top, int bottom, int l, int r, float wy0, float wy1, float wx0, float wx1, float[] logits)
    {
        var last = _levels[step];
        int a00 = Ensure(step, top, l) * last.Stride;
        int a01 = Ensure(step, top, r) * last.Stride;
        int a10 = Ensure(step, bottom, l) * last.Stride;
        int a11 = Ensure(step, bottom, r) * last.Stride;
        Interpolate(last.Store, a00, a01, a10, a11, wx0, wx1, wy0, wy1, logits, 0, last.Stride);
        return LabelAndUncertainty(logits, 0, last.Stride).Label;
    }

    /// <summary>
    /// Output rows whose label the last level proves: its label where the (up to four) cells it blends agree and
    /// their blended bound is below zero; every other pixel gets its bit set in pending (words bits per row).
    /// </summary>
    private sealed class OutputRows(SparseLevel last, Taps rows, Taps columns, float delta, byte[] labels, int outWidth, ulong[] pending, int words)
        : IRowWork
    {
        public void Rows(int start, int end)
        {
            int width = last.Width;
            for (int y = start; y < end; y++)
            {
                var marks = pending.AsSpan(y * words, words);
                marks.Clear();
                var output = labels.AsSpan(y * outWidth, outWidth);
                int t = rows.FirstOf(y) * width;
                int b = rows.SecondOf(y) * width;
                float wy0 = rows.FirstWeightOf(y);
                float wy1 = rows.SecondWeightOf(y);
                if (width == outWidth)
                {
                    // Columns map one to one (the usual case: only the rows are resized), so the proof is per column.
                    SameColumns(last.Bound.AsSpan(t, width), last.Bound.AsSpan(b, width), last.Labels.AsSpan(t, width), last.Labels.AsSpan(b, width),
                        wy0, wy1, delta, output, marks);
                    continue;
                }

                for (int x = 0; x < outWidth; x++)
                {
                    int l = columns.FirstOf(x);
                    int r = columns.SecondOf(x);
                    float wx0 = columns.FirstWeightOf(x);
                    float wx1 = columns.SecondWeightOf(x);
                    byte label = last.Labels[t + l];
                    if (last.Labels[t + r] == label && last.Labels[b + l] == label && last.Labels[b + r] == label)
                    {
                        float u = (wy0 * ((wx0 * last.Bound[t + l]) + (wx1 * last.Bound[t + r])))
                            + (wy1 * ((wx0 * last.Bound[b + l]) + (wx1 * last.Bound[b + r]))) + delta;
                        if (u < 0)
                        {
                            output[x] = label;
                            continue;
                        }
                    }

                    marks[x >> 6] |= 1UL << x;
                }
            }
        }

        /// <summary>The two rows agree on the label and their blended bound (BlendBounds' operations) is below zero.</summary>
        private static void SameColumns(
            ReadOnlySpan<float> tb, ReadOnlySpan<float> bb, ReadOnlySpan<byte> tl, ReadOnlySpan<byte> bl, float wy0, float wy1, float delta, Span<byte> output, Span<ulong> marks)
        {
            int width = output.Length;
            int x = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                ref float tbr = ref MemoryMarshal.GetReference(tb);
                ref float bbr = ref MemoryMarshal.GetReference(bb);
                ref byte tlr = ref MemoryMarshal.GetReference(tl);
                ref byte blr = ref MemoryMarshal.GetReference(bl);
                ref byte o = ref MemoryMarshal.GetReference(output);
                var w0 = Vector256.Create(wy0);
                var w1 = Vector256.Create(wy1);
                var d = Vector256.Create(delta);
                for (; x <= width - 8; x += 8)
                {
                    // Eight pixels at once where both rows agree on all eight labels and all eight bounds prove them.
                    ulong labels = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref tlr, x));
                    if (labels == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref blr, x))
                        && Vector256.LessThanAll((w0 * Vector256.LoadUnsafe(ref tbr, (nuint)x)) + (w1 * Vector256.LoadUnsafe(ref bbr, (nuint)x)) + d, Vector256<float>.Zero))
                    {
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, x), labels);
                        continue;
                    }

                    for (int i = x; i < x + 8; i++)
                    {
                        Pixel(tb, bb, tl, bl, wy0, wy1, delta, output, marks, i);
                    }
                }
            }

            for (; x < width; x++)
            {
                Pixel(tb, bb, tl, bl, wy0, wy1, delta, output, marks, x);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pixel(
            ReadOnlySpan<float> tb, ReadOnlySpan<float> bb, ReadOnlySpan<byte> tl, ReadOnlySpan<byte> bl, float wy0, float wy1, float delta, Span<byte> output, Span<ulong> marks, int x)
        {
            if (tl[x] == bl[x] && (wy0 * tb[x]) + (wy1 * bb[x]) + delta < 0)
            {
                output[x] = tl[x];
            }
            else
            {
                marks[x >> 6] |= 1UL << x;
            }
        }
    }
}
