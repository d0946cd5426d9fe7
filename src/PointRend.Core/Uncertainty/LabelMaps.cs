// Shape shorthand: K classes, N pixels (H * W); logits are K x N, channel-major ([k * N + n]).
// Coordinates: none; labels and uncertainty are per cell, in the same raster order as the logits.
using System.Numerics;

namespace PointRend.Core;

/// <summary>Per-pixel reductions over the class axis.</summary>
public static class LabelMaps
{
    /// <summary>labels[n] = argmax_k logits[k, n]; the lowest class id wins exact ties. K must be 1..256.</summary>
    public static void Argmax(ReadOnlySpan<float> logits, int classes, int pixels, Span<byte> labels)
    {
        CheckShape(logits, classes, pixels, labels.Length, nameof(labels));
        if (classes > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Labels are bytes, so at most 256 classes.");
        }

        int n = 0;
        if (Vector.IsHardwareAccelerated && pixels >= Vector<float>.Count)
        {
            for (; n <= pixels - Vector<float>.Count; n += Vector<float>.Count)
            {
                var best = new Vector<float>(logits[n..]);
                var index = Vector<int>.Zero;
                for (int k = 1; k < classes; k++)
                {
                    var v = new Vector<float>(logits[(k * pixels + n)..]);

                    // Strictly greater, so an equal later class never displaces an earlier one.
                    var greater = Vector.GreaterThan(v, best);
                    best = Vector.ConditionalSelect(greater, v, best);
                    index = Vector.ConditionalSelect(greater, new Vector<int>(k), index);
                }

                for (int lane = 0; lane < Vector<int>.Count; lane++)
                {
                    labels[n + lane] = (byte)index[lane];
                }
            }
        }

        for (; n < pixels; n++)
        {
            float best = logits[n];
            int index = 0;
            for (int k = 1; k < classes; k++)
            {
                float v = logits[k * pixels + n];
                if (v > best)
                {
                    best = v;
                    index = k;
                }
            }

            labels[n] = (byte)index;
        }
    }

    /// <summary>-(top1 - top2) per pixel; see <see cref="UncertaintyMap.TopTwoGap"/>.</summary>
    public static void Uncertainty(ReadOnlySpan<float> logits, int classes, int pixels, Span<float> uncertainty)
    {
        UncertaintyMap.TopTwoGap(logits, classes, pixels, uncertainty);
    }

    internal static void CheckShape(ReadOnlySpan<float> logits, int classes, int pixels, int outputLength, string outputName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegative(pixels);
        if (logits.Length < (long)classes * pixels)
        {
            throw new ArgumentException($"Logits hold {logits.Length} floats; {classes} classes x {pixels} pixels needs {(long)classes * pixels}.", nameof(logits));
        }

        if (outputLength < pixels)
        {
            throw new ArgumentException($"Output holds {outputLength} elements; {pixels} pixels needed.", outputName);
        }
    }
}
