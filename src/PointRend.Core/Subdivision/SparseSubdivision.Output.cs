// Shape shorthand: K classes, H x W grid of a level, cells = H * W.
// Coordinates: cells are raster indices i * W + j of the level they belong to.
using System.Buffers;
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
        float delta = Delta();
        int width = last.Width;
        bool sameColumns = width == outWidth;
        float[] logits = ArrayPool<float>.Shared.Rent(last.Stride);
        try
        {
            for (int y = 0; y < outHeight; y++)
            {
                int t = rows.First[y] * width;
                int b = rows.Second[y] * width;
                float wy0 = rows.FirstWeight[y];
                float wy1 = rows.SecondWeight[y];
                var output = labels.AsSpan(y * outWidth, outWidth);
                if (sameColumns)
                {
                    WriteRowSameColumns(step, rows.FirstOf(y), rows.SecondOf(y), wy0, wy1, delta, output, logits);
                    continue;
                }

                for (int x = 0; x < outWidth; x++)
                {
                    int l = columns.First[x];
                    int r = columns.Second[x];
                    float wx0 = columns.FirstWeight[x];
                    float wx1 = columns.SecondWeight[x];
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

                    output[x] = ExactOutputLabel(step, rows.FirstOf(y), rows.SecondOf(y), l, r, wy0, wy1, wx0, wx1, logits);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
    }

    /// <summary>
    /// One output row where the columns map one to one (the usual case: only the rows are resized), so the proof is
    /// per column: the two rows agree on the label and their blended bound (BlendBounds' operations) is below zero.
    /// </summary>
    private void WriteRowSameColumns(int step, int top, int bottom, float wy0, float wy1, float delta, Span<byte> output, float[] logits)
    {
        var last = _levels[step];
        int width = last.Width;
        var tb = last.Bound.AsSpan(top * width, width);
        var bb = last.Bound.AsSpan(bottom * width, width);
        var tl = last.Labels.AsSpan(top * width, width);
        var bl = last.Labels.AsSpan(bottom * width, width);
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
                    output[i] = tl[i] == bl[i] && (wy0 * tb[i]) + (wy1 * bb[i]) + delta < 0 ? tl[i] : ExactOutputLabel(step, top, bottom, i, i, wy0, wy1, 1f, 0f, logits);
                }
            }
        }

        for (; x < width; x++)
        {
            output[x] = tl[x] == bl[x] && (wy0 * tb[x]) + (wy1 * bb[x]) + delta < 0 ? tl[x] : ExactOutputLabel(step, top, bottom, x, x, wy0, wy1, 1f, 0f, logits);
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
}
