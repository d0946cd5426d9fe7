// Shape shorthand: C channels (a multiple of 8) of an h_f x w_f map; HWC = [(y * w_f + x) * C + c].
// Coordinates: as the StridedMap it was copied from.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core.Instances;

/// <summary>
/// A pooled pixel-major (HWC) copy of a wide fine map, made once per image: a bilinear tap then reads one contiguous
/// run of C floats instead of one float from each of C planes, so sampling 64 channels of p2 at a point touches a few
/// cache lines rather than 4 x 64. Each channel still gets w0 v0 + w1 v1 + w2 v2 + w3 v3 in that order, multiply then
/// add (no fused multiply-add), so the values are bit for bit those of <see cref="BoxPointSampling.SampleFine"/>.
/// </summary>
internal sealed class InterleavedMap : IDisposable
{
    private float[] _data;

    private InterleavedMap(StridedMap source, float[] data)
    {
        Source = source;
        _data = data;
    }

    public StridedMap Source { get; }

    /// <summary>Worth copying: the channel count fills 256-bit vectors exactly.</summary>
    public static bool Suits(StridedMap map) => map.Map.Channels % Vector256<float>.Count == 0 && Vector256.IsHardwareAccelerated;

    public static InterleavedMap From(StridedMap map)
    {
        var m = map.Map;
        int plane = m.PlaneSize;
        int channels = m.Channels;
        float[] data = ArrayPool<float>.Shared.Rent(channels * plane);
        var source = m.Data.Span;
        for (int c0 = 0; c0 < channels; c0 += 8)
        {
            // Eight planes read side by side, written as one 32-byte run per pixel.
            for (int i = 0; i < plane; i++)
            {
                int o = (i * channels) + c0;
                for (int k = 0; k < 8; k++)
                {
                    data[o + k] = source[((c0 + k) * plane) + i];
                }
            }
        }

        return new InterleavedMap(map, data);
    }

    /// <summary>As <see cref="BoxPointSampling.SampleFine"/>, from this copy.</summary>
    public void Sample(
        ReadOnlySpan<DetectionBox> boxes, ReadOnlySpan<int> cells, int points, int gridHeight, int gridWidth,
        Span<float> pointFeatures, int totalChannels, int channelOffset)
    {
        var map = Source.Map;
        BoxPointSampling.CheckTargets(map, boxes.Length, cells, points, pointFeatures, totalChannels, channelOffset);
        int channels = map.Channels;
        float scaleX = map.Width * Source.Stride;
        float scaleY = map.Height * Source.Stride;
        Span<int> taps = stackalloc int[4];
        Span<float> weights = stackalloc float[4];
        float[] values = ArrayPool<float>.Shared.Rent(channels);
        try
        {
            ref float data = ref MemoryMarshal.GetArrayDataReference(_data);
            ref float value = ref MemoryMarshal.GetArrayDataReference(values);
            for (int r = 0; r < boxes.Length; r++)
            {
                var box = boxes[r];
                float bw = box.X1 - box.X0;
                float bh = box.Y1 - box.Y0;
                var own = cells.Slice(r * points, points);
                var destination = pointFeatures.Slice(((r * totalChannels) + channelOffset) * points, channels * points);
                for (int p = 0; p < points; p++)
                {
                    var (u, v) = BoxPointSampling.CellCentre(own[p], gridHeight, gridWidth);
                    float nx = (box.X0 + (u * bw)) / scaleX;
                    float ny = (box.Y0 + (v * bh)) / scaleY;
                    BoxPointSampling.SetTaps(nx, ny, map.Height, map.Width, taps, weights, 0);
                    ref float t0 = ref Unsafe.Add(ref data, taps[0] * channels);
                    ref float t1 = ref Unsafe.Add(ref data, taps[1] * channels);
                    ref float t2 = ref Unsafe.Add(ref data, taps[2] * channels);
                    ref float t3 = ref Unsafe.Add(ref data, taps[3] * channels);
                    var w0 = Vector256.Create(weights[0]);
                    var w1 = Vector256.Create(weights[1]);
                    var w2 = Vector256.Create(weights[2]);
                    var w3 = Vector256.Create(weights[3]);
                    for (int c = 0; c < channels; c += 8)
                    {
                        var sum = (w0 * Vector256.LoadUnsafe(ref t0, (nuint)c)) + (w1 * Vector256.LoadUnsafe(ref t1, (nuint)c));
                        sum += w2 * Vector256.LoadUnsafe(ref t2, (nuint)c);
                        sum += w3 * Vector256.LoadUnsafe(ref t3, (nuint)c);
                        sum.StoreUnsafe(ref value, (nuint)c);
                    }

                    for (int c = 0; c < channels; c++)
                    {
                        destination[(c * points) + p] = Unsafe.Add(ref value, c);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }

    public void Dispose()
    {
        if (_data.Length > 0)
        {
            ArrayPool<float>.Shared.Return(_data);
            _data = [];
        }
    }
}
