// Shape shorthand: K classes, N pixels (H * W); logits are K x N, channel-major ([k * N + n]).
// Coordinates: none; one value per cell of whatever grid the logits live on.
using System.Numerics;

namespace PointRend.Core;

/// <summary>PointRend's uncertainty: -(top1 - top2) of a cell's K logits, so larger = more uncertain.</summary>
public static class UncertaintyMap
{
    /// <summary>
    /// uncertainty[n] = top2 - top1 (&lt;= 0; 0 when the two best logits tie). With K = 1 there is no runner-up
    /// and every cell gets negative infinity. Uses SIMD across pixels; each lane keeps its own top two.
    /// </summary>
    public static void TopTwoGap(ReadOnlySpan<float> logits, int classes, int pixels, Span<float> uncertainty)
    {
        LabelMaps.CheckShape(logits, classes, pixels, uncertainty.Length, nameof(uncertainty));
        int n = 0;
        if (Vector.IsHardwareAccelerated && pixels >= Vector<float>.Count)
        {
            var negativeInfinity = new Vector<float>(float.NegativeInfinity);
            for (; n <= pixels - Vector<float>.Count; n += Vector<float>.Count)
            {
                var top1 = new Vector<float>(logits[n..]);
                var top2 = negativeInfinity;
                for (int k = 1; k < classes; k++)
                {
                    var v = new Vector<float>(logits[(k * pixels + n)..]);
                    top2 = Vector.Max(top2, Vector.Min(top1, v));
                    top1 = Vector.Max(top1, v);
                }

                (top2 - top1).CopyTo(uncertainty[n..]);
            }
        }

        for (; n < pixels; n++)
        {
            float top1 = logits[n];
            float top2 = float.NegativeInfinity;
            for (int k = 1; k < classes; k++)
            {
                float v = logits[k * pixels + n];
                top2 = MathF.Max(top2, MathF.Min(top1, v));
                top1 = MathF.Max(top1, v);
            }

            uncertainty[n] = top2 - top1;
        }
    }
}
