// Shape shorthand: C channels, h x w input, H x W output; maps are CHW row-major ([c * h * w + y * w + x]).
// Coordinates: align_corners=false exactly as torch F.interpolate(mode="bilinear"): per axis
// src = (dst + 0.5) * in / out - 0.5, clamped below at 0; the upper tap is clamped to in - 1 (edge replication);
// an axis whose size does not change is copied (torch special-cases in == out the same way).
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PointRend.Core;

/// <summary>Separable bilinear resize; horizontal pass per source row, then a SIMD vertical blend.</summary>
public static class BilinearUpsample
{
    /// <summary>F.interpolate(scale_factor=2, mode="bilinear", align_corners=False): C x h x w to C x 2h x 2w.</summary>
    public static void Upsample2x(ReadOnlySpan<float> source, int channels, int height, int width, Span<float> destination)
    {
        Resize(source, channels, height, width, destination, checked(height * 2), checked(width * 2));
    }

    /// <summary>F.interpolate(size=(outHeight, outWidth), mode="bilinear", align_corners=False).</summary>
    public static void Resize(
        ReadOnlySpan<float> source, int channels, int inHeight, int inWidth,
        Span<float> destination, int outHeight, int outWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        int inPlane = inHeight * inWidth;
        int outPlane = checked(outHeight * outWidth);
        if (source.Length < channels * inPlane)
        {
            throw new ArgumentException($"Source holds {source.Length} floats; {channels}x{inHeight}x{inWidth} needs {channels * inPlane}.", nameof(source));
        }

        if (destination.Length < checked(channels * outPlane))
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; {channels}x{outHeight}x{outWidth} needs {channels * outPlane}.", nameof(destination));
        }

        if (inHeight == outHeight && inWidth == outWidth)
        {
            source[..(channels * inPlane)].CopyTo(destination);
            return;
        }

        int[] ints = ArrayPool<int>.Shared.Rent(2 * outWidth + 2 * outHeight);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * outWidth + 2 * outHeight);
        try
        {
            var x0 = ints.AsSpan(0, outWidth);
            var x1 = ints.AsSpan(outWidth, outWidth);
            var y0 = ints.AsSpan(2 * outWidth, outHeight);
            var y1 = ints.AsSpan(2 * outWidth + outHeight, outHeight);
            var lx0 = floats.AsSpan(0, outWidth);
            var lx1 = floats.AsSpan(outWidth, outWidth);
            var ly0 = floats.AsSpan(4 * outWidth, outHeight);
            var ly1 = floats.AsSpan(4 * outWidth + outHeight, outHeight);
            ComputeTaps(inWidth, outWidth, x0, x1, lx0, lx1);
            ComputeTaps(inHeight, outHeight, y0, y1, ly0, ly1);

            // Two horizontally interpolated source rows are cached: consecutive output rows share them,
            // so each source row is interpolated about once per channel instead of twice per output row.
            var rowA = floats.AsSpan(2 * outWidth, outWidth);
            var rowB = floats.AsSpan(3 * outWidth, outWidth);
            for (int c = 0; c < channels; c++)
            {
                var plane = source.Slice(c * inPlane, inPlane);
                var outPlaneSpan = destination.Slice(c * outPlane, outPlane);
                int cachedA = -1;
                int cachedB = -1;
                for (int y = 0; y < outHeight; y++)
                {
                    int top = y0[y];
                    int bottom = y1[y];
                    if (cachedA != top)
                    {
                        if (cachedB == top)
                        {
                            var t = rowA; rowA = rowB; rowB = t;
                            (cachedA, cachedB) = (cachedB, cachedA);
                        }
                        else
                        {
                            InterpolateRow(plane.Slice(top * inWidth, inWidth), x0, x1, lx0, lx1, rowA);
                            cachedA = top;
                        }
                    }

                    if (bottom != top && cachedB != bottom)
                    {
                        InterpolateRow(plane.Slice(bottom * inWidth, inWidth), x0, x1, lx0, lx1, rowB);
                        cachedB = bottom;
                    }

                    var lower = bottom == top ? rowA : rowB;
                    Blend(rowA, lower, ly0[y], ly1[y], outPlaneSpan.Slice(y * outWidth, outWidth));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ints);
            ArrayPool<float>.Shared.Return(floats);
        }
    }

    /// <summary>Per-axis taps and weights, in float as torch's CPU kernel computes them.</summary>
    internal static void ComputeTaps(int inSize, int outSize, Span<int> i0, Span<int> i1, Span<float> l0, Span<float> l1)
    {
        float scale = (float)inSize / outSize;
        for (int d = 0; d < outSize; d++)
        {
            if (inSize == outSize)
            {
                i0[d] = d; i1[d] = d; l0[d] = 1f; l1[d] = 0f;
                continue;
            }

            float real = MathF.Max(scale * (d + 0.5f) - 0.5f, 0f);
            int index = Math.Min((int)MathF.Floor(real), inSize - 1);
            float lambda = Math.Clamp(real - index, 0f, 1f);
            i0[d] = index;
            i1[d] = index < inSize - 1 ? index + 1 : index;
            l1[d] = lambda;
            l0[d] = 1f - lambda;
        }
    }

    private static void InterpolateRow(
        ReadOnlySpan<float> row, ReadOnlySpan<int> x0, ReadOnlySpan<int> x1,
        ReadOnlySpan<float> lx0, ReadOnlySpan<float> lx1, Span<float> output)
    {
        if (row.Length == output.Length)
        {
            // Same width (e.g. the last step's 368 rows resized to a 360-row output): the taps are x with weights
            // 1 and 0, and 1 * a + 0 * a == a for every finite a, so a copy gives the same floats.
            row.CopyTo(output);
            return;
        }

        if (output.Length == 2 * row.Length)
        {
            InterpolateRow2x(row, output);
            return;
        }

        for (int x = 0; x < output.Length; x++)
        {
            output[x] = lx0[x] * row[x0[x]] + lx1[x] * row[x1[x]];
        }
    }

    /// <summary>
    /// The general row formula with ComputeTaps' weights for an exact 2x (0.25/0.75 inside, 1/0 at the left edge,
    /// 0.75/0.25 of the same pixel at the right edge), written out so no tap or weight is loaded per element.
    /// </summary>
    private static void InterpolateRow2x(ReadOnlySpan<float> row, Span<float> output)
    {
        int w = row.Length;
        output[0] = (1f * row[0]) + (0f * row[Math.Min(1, w - 1)]);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float r = ref MemoryMarshal.GetReference(row);
        for (int i = 0; i < w - 1; i++)
        {
            float a = Unsafe.Add(ref r, i);
            float b = Unsafe.Add(ref r, i + 1);
            Unsafe.Add(ref o, (2 * i) + 1) = (0.75f * a) + (0.25f * b);
            Unsafe.Add(ref o, (2 * i) + 2) = (0.25f * a) + (0.75f * b);
        }

        output[(2 * w) - 1] = (0.75f * row[w - 1]) + (0.25f * row[w - 1]);
    }

    private static void Blend(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, float w0, float w1, Span<float> output)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated && output.Length >= Vector<float>.Count)
        {
            var v0 = new Vector<float>(w0);
            var v1 = new Vector<float>(w1);
            for (; x <= output.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                var blended = v0 * new Vector<float>(upper[x..]) + v1 * new Vector<float>(lower[x..]);
                blended.CopyTo(output[x..]);
            }
        }

        for (; x < output.Length; x++)
        {
            output[x] = w0 * upper[x] + w1 * lower[x];
        }
    }
}
