// Shape shorthand: R detections, P points per detection, C channels of an h_f x w_f map, an h x w grid over each
// box; point buffers are R x C_total x P ([(r * C_total + c) * P + p]), which is point_head.onnx's input layout.
// Coordinates: cell (i, j) of a box's grid is the box-relative point (u, v) = ((j + 0.5) / w, (i + 0.5) / h);
// its model-input pixel is (x0 + u (x1 - x0), y0 + v (y1 - y0)). A fine map of stride s is sampled at normalised
// (x / (s w_f), y / (s h_f)), the detection's own 7x7 coarse logits at (u, v); both with torch grid_sample
// (bilinear, align_corners=False, padding_mode="zeros"). The float operations follow the reference
// (training/model_instance.py fine_point_features and point_sample) one by one, so the points land on the same
// float values and the selection's ties break the same way.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PointRend.Core.Instances;

/// <summary>Bilinear sampling of instance feature maps at box-relative cell centres, many detections at once.</summary>
public static partial class BoxPointSampling
{
    /// <summary>
    /// Samples a fine map (shared by all detections) at cells[r * P + p] of detection r's gridHeight x gridWidth
    /// grid over boxes[r], writing channel c to pointFeatures[(r * totalChannels + channelOffset + c) * P + p].
    /// </summary>
    public static void SampleFine(
        StridedMap fine, ReadOnlySpan<DetectionBox> boxes, ReadOnlySpan<int> cells, int points, int gridHeight, int gridWidth,
        Span<float> pointFeatures, int totalChannels, int channelOffset)
    {
        var map = fine.Map;
        Check(map, boxes.Length, cells, points, pointFeatures, totalChannels, channelOffset);
        int detections = boxes.Length;
        int[] taps = ArrayPool<int>.Shared.Rent(Math.Max(1, 4 * points * detections));
        float[] weights = ArrayPool<float>.Shared.Rent(Math.Max(1, 4 * points * detections));
        try
        {
            float scaleX = map.Width * fine.Stride;
            float scaleY = map.Height * fine.Stride;
            var data = map.Data.Span;
            int plane = map.PlaneSize;
            int perDetection = 4 * points;
            for (int r = 0; r < detections; r++)
            {
                var box = boxes[r];
                SetBoxTaps(cells.Slice(r * points, points), gridHeight, gridWidth, box.X0, box.X1 - box.X0, scaleX, box.Y0, box.Y1 - box.Y0, scaleY,
                    map.Height, map.Width, taps.AsSpan(r * perDetection, perDetection), weights.AsSpan(r * perDetection, perDetection));
            }

            if (map.ChannelsLast)
            {
                for (int r = 0; r < detections; r++)
                {
                    PointSampling.GatherChannelsLast(data, map.Channels, taps.AsSpan(r * perDetection, perDetection), weights.AsSpan(r * perDetection, perDetection),
                        pointFeatures.Slice(((r * totalChannels) + channelOffset) * points), points);
                }

                return;
            }

            // Four planes per pass over the taps: the 32 bytes of taps and weights per point are read once for four
            // channels instead of once for each (the channel loop is bound by loads, not arithmetic). Channels outside,
            // detections inside: the four planes stay in cache while every detection reads them.
            int c = 0;
            for (; c <= map.Channels - 4; c += 4)
            {
                var planes = data.Slice(c * plane, 4 * plane);
                for (int r = 0; r < detections; r++)
                {
                    var rows = pointFeatures.Slice((((r * totalChannels) + channelOffset + c) * points), 4 * points);
                    Gather4(planes, plane, taps.AsSpan(r * perDetection, perDetection), weights.AsSpan(r * perDetection, perDetection), rows, points);
                }
            }

            for (; c < map.Channels; c++)
            {
                for (int r = 0; r < detections; r++)
                {
                    Gather(data.Slice(c * plane, plane), taps.AsSpan(r * perDetection, perDetection), weights.AsSpan(r * perDetection, perDetection),
                        pointFeatures.Slice(((r * totalChannels) + channelOffset + c) * points, points));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
        }
    }

    /// <summary>
    /// Samples each detection's own single-channel box map (coarse: R x res x res, detection r's plane at
    /// r * res * res) at its cells, writing to pointFeatures[(r * totalChannels + channelOffset) * P + p].
    /// </summary>
    public static void SampleBoxMaps(
        ReadOnlySpan<float> boxMaps, int resolution, int detections, ReadOnlySpan<int> cells, int points, int gridHeight, int gridWidth,
        Span<float> pointFeatures, int totalChannels, int channelOffset)
    {
        int plane = resolution * resolution;
        if (boxMaps.Length < detections * plane)
        {
            throw new ArgumentException($"Box maps hold {boxMaps.Length} floats; {detections} x {resolution}x{resolution} needed.", nameof(boxMaps));
        }

        Check(new FeatureMap(ReadOnlyMemory<float>.Empty, 1, resolution, resolution), detections, cells, points, pointFeatures, totalChannels, channelOffset, checkData: false);
        int[] taps = ArrayPool<int>.Shared.Rent(4 * points);
        float[] weights = ArrayPool<float>.Shared.Rent(4 * points);
        try
        {
            for (int r = 0; r < detections; r++)
            {
                // (0 + u * 1) / 1 is u exactly, so the box maps get the same taps as SetTaps(u, v, ...) would give.
                SetBoxTaps(cells.Slice(r * points, points), gridHeight, gridWidth, 0f, 1f, 1f, 0f, 1f, 1f,
                    resolution, resolution, taps.AsSpan(0, 4 * points), weights.AsSpan(0, 4 * points));
                Gather(boxMaps.Slice(r * plane, plane), taps, weights, pointFeatures.Slice(((r * totalChannels) + channelOffset) * points, points));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
        }
    }

    /// <summary>((j + 0.5) / w, (i + 0.5) / h) in float, as the reference's cell_centres.</summary>
    internal static (float U, float V) CellCentre(int cell, int gridHeight, int gridWidth)
    {
        if ((uint)cell >= (uint)(gridHeight * gridWidth))
        {
            throw new ArgumentOutOfRangeException(nameof(cell), cell, $"Cell index outside the {gridHeight}x{gridWidth} grid.");
        }

        int i = cell / gridWidth;
        int j = cell - (i * gridWidth);
        return ((j + 0.5f) / gridWidth, (i + 0.5f) / gridHeight);
    }

    /// <summary>
    /// One point's taps in the interleaved layout (taps[o + k]), the reference formula <see cref="SetBoxTaps"/> must match.
    /// grid_sample's four taps for normalised [0, 1] (nx, ny) on an h x w map: grid g = 2 n - 1, map pixel
    /// (g + 1) (size / 2) - 0.5 (ATen's unnormalize for align_corners=False), weights as ATen's bilinear kernel.
    /// A tap outside the map reads pixel 0 with weight 0 (zero padding without a branch in the channel loop).
    /// </summary>
    internal static void SetTaps(float nx, float ny, int height, int width, Span<int> taps, Span<float> weights, int o)
    {
        float x = (((2f * nx) - 1f) + 1f) * (width * 0.5f) - 0.5f;
        float y = (((2f * ny) - 1f) + 1f) * (height * 0.5f) - 0.5f;
        float xf = MathF.Floor(x);
        float yf = MathF.Floor(y);
        float tx = x - xf;
        float ty = y - yf;
        int xw = (int)xf;
        int yn = (int)yf;
        Set(taps, weights, o + 0, xw, yn, (1f - ty) * (1f - tx), height, width);
        Set(taps, weights, o + 1, xw + 1, yn, (1f - ty) * tx, height, width);
        Set(taps, weights, o + 2, xw, yn + 1, ty * (1f - tx), height, width);
        Set(taps, weights, o + 3, xw + 1, yn + 1, ty * tx, height, width);
    }

    private static void Set(Span<int> taps, Span<float> weights, int slot, int x, int y, float weight, int height, int width)
    {
        bool inside = (uint)x < (uint)width && (uint)y < (uint)height;
        taps[slot] = inside ? (y * width) + x : 0;
        weights[slot] = inside ? weight : 0f;
    }

    private static void Gather(ReadOnlySpan<float> plane, ReadOnlySpan<int> taps, ReadOnlySpan<float> weights, Span<float> output)
    {
        // Hot loop (R x C x P): every tap was made a valid plane index by SetBoxTaps, so bounds checks are skipped.
        int points = output.Length;
        if (taps.Length < 4 * points || weights.Length < 4 * points)
        {
            throw new ArgumentException("Gather needs four taps per point.");
        }

        ref float p0 = ref MemoryMarshal.GetReference(plane);
        ref int t = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(weights);
        for (int p = 0; p < points; p++)
        {
            output[p] = (Unsafe.Add(ref w, p) * Unsafe.Add(ref p0, Unsafe.Add(ref t, p)))
                + (Unsafe.Add(ref w, points + p) * Unsafe.Add(ref p0, Unsafe.Add(ref t, points + p)))
                + (Unsafe.Add(ref w, (2 * points) + p) * Unsafe.Add(ref p0, Unsafe.Add(ref t, (2 * points) + p)))
                + (Unsafe.Add(ref w, (3 * points) + p) * Unsafe.Add(ref p0, Unsafe.Add(ref t, (3 * points) + p)));
        }
    }

    /// <summary><see cref="Gather"/> for planes 0..3 of <paramref name="planes"/> into rows 0..3 of <paramref name="output"/> (P each).</summary>
    private static void Gather4(ReadOnlySpan<float> planes, int plane, ReadOnlySpan<int> taps, ReadOnlySpan<float> weights, Span<float> output, int points)
    {
        if (planes.Length < 4 * plane || output.Length < 4 * points || taps.Length < 4 * points || weights.Length < 4 * points)
        {
            throw new ArgumentException("Gather4 needs four planes, four output rows and four taps per point.");
        }

        ref float a = ref MemoryMarshal.GetReference(planes);
        ref float b = ref Unsafe.Add(ref a, plane);
        ref float c = ref Unsafe.Add(ref b, plane);
        ref float d = ref Unsafe.Add(ref c, plane);
        ref int t = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float oa = ref MemoryMarshal.GetReference(output);
        ref float ob = ref Unsafe.Add(ref oa, points);
        ref float oc = ref Unsafe.Add(ref ob, points);
        ref float od = ref Unsafe.Add(ref oc, points);
        for (int p = 0; p < points; p++)
        {
            float w0 = Unsafe.Add(ref w, p), w1 = Unsafe.Add(ref w, points + p), w2 = Unsafe.Add(ref w, (2 * points) + p), w3 = Unsafe.Add(ref w, (3 * points) + p);
            int t0 = Unsafe.Add(ref t, p), t1 = Unsafe.Add(ref t, points + p), t2 = Unsafe.Add(ref t, (2 * points) + p), t3 = Unsafe.Add(ref t, (3 * points) + p);
            Unsafe.Add(ref oa, p) = (w0 * Unsafe.Add(ref a, t0)) + (w1 * Unsafe.Add(ref a, t1)) + (w2 * Unsafe.Add(ref a, t2)) + (w3 * Unsafe.Add(ref a, t3));
            Unsafe.Add(ref ob, p) = (w0 * Unsafe.Add(ref b, t0)) + (w1 * Unsafe.Add(ref b, t1)) + (w2 * Unsafe.Add(ref b, t2)) + (w3 * Unsafe.Add(ref b, t3));
            Unsafe.Add(ref oc, p) = (w0 * Unsafe.Add(ref c, t0)) + (w1 * Unsafe.Add(ref c, t1)) + (w2 * Unsafe.Add(ref c, t2)) + (w3 * Unsafe.Add(ref c, t3));
            Unsafe.Add(ref od, p) = (w0 * Unsafe.Add(ref d, t0)) + (w1 * Unsafe.Add(ref d, t1)) + (w2 * Unsafe.Add(ref d, t2)) + (w3 * Unsafe.Add(ref d, t3));
        }
    }

    private static void Check(
        FeatureMap map, int detections, ReadOnlySpan<int> cells, int points, Span<float> pointFeatures, int totalChannels, int channelOffset, bool checkData = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        ArgumentOutOfRangeException.ThrowIfNegative(channelOffset);
        if (checkData && map.Data.Length < map.Channels * map.PlaneSize)
        {
            throw new ArgumentException($"Map data holds {map.Data.Length} floats; {map.Channels}x{map.Height}x{map.Width} needs {map.Channels * map.PlaneSize}.", nameof(map));
        }

        if (cells.Length < (long)detections * points)
        {
            throw new ArgumentException($"Cells hold {cells.Length} indices; {detections} detections x {points} points needed.", nameof(cells));
        }

        if (channelOffset + map.Channels > totalChannels || pointFeatures.Length < (long)detections * totalChannels * points)
        {
            throw new ArgumentException($"Point buffer of {pointFeatures.Length} floats cannot hold channels {channelOffset}..{channelOffset + map.Channels} of {totalChannels} for {detections} x {points} points.", nameof(pointFeatures));
        }
    }
}
