// Shape shorthand: P points; taps and weights are planar, 4 x stride ([k * stride + p], k = top-left, top-right,
// bottom-left, bottom-right).
// Coordinates: x, y in map pixels (already x = u * w - 0.5, align_corners=False); a tap outside the map reads pixel 0
// with weight 0 (padding_mode="zeros").
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>The bilinear taps of eight points at once, shared by the semantic and the box-relative samplers.</summary>
internal static class VectorTaps
{
    /// <summary>
    /// Writes the four taps and weights of the points at lanes (x, y) to slots at, stride + at, 2 stride + at and
    /// 3 stride + at. Floor, subtract and multiply round as the scalar SetTap's do (and multiplication commutes
    /// exactly), so each tap and weight equals the one-point code bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store8(Vector256<float> x, Vector256<float> y, int width, int height, Span<int> taps, Span<float> weights, int at, int stride)
    {
        var one = Vector256.Create(1f);
        var widthU = Vector256.Create((uint)width);
        var heightU = Vector256.Create((uint)height);
        var widthInt = Vector256.Create(width);
        var xf = Vector256.Floor(x);
        var yf = Vector256.Floor(y);
        var tx = x - xf;
        var ty = y - yf;
        var xw = Vector256.ConvertToInt32(xf);
        var yn = Vector256.ConvertToInt32(yf);
        var xe = xw + Vector256<int>.One;
        var ys = yn + Vector256<int>.One;
        var insideXw = Vector256.LessThan(xw.AsUInt32(), widthU).AsInt32();
        var insideXe = Vector256.LessThan(xe.AsUInt32(), widthU).AsInt32();
        var insideYn = Vector256.LessThan(yn.AsUInt32(), heightU).AsInt32();
        var insideYs = Vector256.LessThan(ys.AsUInt32(), heightU).AsInt32();
        var rowN = yn * widthInt;
        var rowS = ys * widthInt;
        Store(insideYn & insideXw, rowN + xw, (one - tx) * (one - ty), taps, weights, at);
        Store(insideYn & insideXe, rowN + xe, tx * (one - ty), taps, weights, stride + at);
        Store(insideYs & insideXw, rowS + xw, (one - tx) * ty, taps, weights, (2 * stride) + at);
        Store(insideYs & insideXe, rowS + xe, tx * ty, taps, weights, (3 * stride) + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<int> inside, Vector256<int> tap, Vector256<float> weight, Span<int> taps, Span<float> weights, int at)
    {
        (tap & inside).CopyTo(taps[at..]);
        (weight.AsInt32() & inside).AsSingle().CopyTo(weights[at..]);
    }
}
