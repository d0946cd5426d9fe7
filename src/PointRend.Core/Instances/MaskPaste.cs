// Shape shorthand: m x m mask logits of one detection, an image of W x H pixels.
// Coordinates: the box in image pixels (pixel-edge convention); image pixel (i, j) samples the mask at box-relative
// ((j + 0.5 - x0) / (x1 - x0), (i + 0.5 - y0) / (y1 - y0)) with grid_sample (bilinear, align_corners=False, zeros
// outside the mask), which is detectron2 paste_masks_in_image (training/pointrend_instance_ref.py paste).
using System.Buffers;
using System.Runtime.Intrinsics;

namespace PointRend.Core.Instances;

/// <summary>Pastes a detection's mask logits into the image: sigmoid, bilinear sampling at pixel centres, threshold.</summary>
public static partial class MaskPaste
{
    /// <summary>detectron2's paste threshold on the probability.</summary>
    public const float DefaultThreshold = 0.5f;

    /// <summary>
    /// Only pixels of [floor(x0) - 1, ceil(x1) + 1) x [floor(y0) - 1, ceil(y1) + 1), clipped to the image, can be set
    /// (the rest sample zero-padded mask), so that region is the crop returned.
    /// </summary>
    public static PastedMask Paste(ReadOnlySpan<float> logits, int resolution, DetectionBox box, int imageWidth, int imageHeight, float threshold = DefaultThreshold) =>
        Paste(logits, resolution, box, imageWidth, imageHeight, threshold, Vector256.IsHardwareAccelerated);

    /// <summary>
    /// Detection r of <paramref name="logits"/> pasted at boxes[r] (image pixels) for every r, the detections shared
    /// among <paramref name="threads"/> threads: a mask does not depend on which thread pastes it.
    /// </summary>
    public static PastedMask[] PasteAll(MaskLogits logits, DetectionBox[] boxes, int imageWidth, int imageHeight, float threshold, int threads)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(boxes.Length, logits.Detections);
        var masks = new PastedMask[boxes.Length];
        try
        {
            if (threads > 1 && boxes.Length > 1)
            {
                Parallel.For(0, boxes.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    r => masks[r] = Paste(logits.Of(r), logits.Resolution, boxes[r], imageWidth, imageHeight, threshold));
            }
            else
            {
                for (int r = 0; r < boxes.Length; r++)
                {
                    masks[r] = Paste(logits.Of(r), logits.Resolution, boxes[r], imageWidth, imageHeight, threshold);
                }
            }

            return masks;
        }
        catch
        {
            foreach (var mask in masks)
            {
                mask?.Dispose();
            }

            throw;
        }
    }

    /// <param name="vectorRows">Whether rows go through <see cref="PasteRows"/>; both ways give the same bits (tests compare them).</param>
    internal static PastedMask Paste(ReadOnlySpan<float> logits, int resolution, DetectionBox box, int imageWidth, int imageHeight, float threshold, bool vectorRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        int cells = resolution * resolution;
        if (logits.Length < cells)
        {
            throw new ArgumentException($"Mask logits hold {logits.Length} floats; {resolution}x{resolution} needed.", nameof(logits));
        }

        int left = Math.Max((int)MathF.Floor(box.X0) - 1, 0);
        int top = Math.Max((int)MathF.Floor(box.Y0) - 1, 0);
        int width = Math.Max(Math.Min((int)MathF.Ceiling(box.X1) + 1, imageWidth) - left, 0);
        int height = Math.Max(Math.Min((int)MathF.Ceiling(box.Y1) + 1, imageHeight) - top, 0);
        byte[] bits = ArrayPool<byte>.Shared.Rent(Math.Max(1, width * height));
        int[] taps = ArrayPool<int>.Shared.Rent(2 * (width + height));
        float[] weights = ArrayPool<float>.Shared.Rent(2 * (width + height));
        try
        {
            var xTaps = taps.AsSpan(0, 2 * width);
            var xWeights = weights.AsSpan(0, 2 * width);
            var yTaps = taps.AsSpan(2 * width, 2 * height);
            var yWeights = weights.AsSpan(2 * width, 2 * height);
            AxisTaps(left, width, box.X0, box.X1, resolution, xTaps, xWeights);
            AxisTaps(top, height, box.Y0, box.Y1, resolution, yTaps, yWeights);
            var crop = bits.AsSpan(0, width * height);
            int area = vectorRows && width >= Vector256<float>.Count
                ? PasteRows(logits[..cells], resolution, xTaps, xWeights, yTaps, yWeights, threshold, crop)
                : PasteScalar(logits[..cells], resolution, xTaps, xWeights, yTaps, yWeights, threshold, crop);
            return new PastedMask(bits, left, top, width, height, area);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(bits);
            throw;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
        }
    }

    /// <summary>The reference loop, one pixel at a time; <see cref="PasteRows"/> must give the same bits.</summary>
    private static int PasteScalar(
        ReadOnlySpan<float> logits, int resolution, ReadOnlySpan<int> xTaps, ReadOnlySpan<float> xWeights, ReadOnlySpan<int> yTaps, ReadOnlySpan<float> yWeights,
        float threshold, Span<byte> bits)
    {
        int width = xTaps.Length / 2;
        int height = yTaps.Length / 2;
        float[] probs = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            // Probabilities are interpolated, not logits: sigmoid first, as the reference pastes sigmoid(logits).
            Sigmoid(logits, probs.AsSpan(0, logits.Length));
            int area = 0;
            for (int y = 0; y < height; y++)
            {
                float wn = yWeights[y];
                float ws = yWeights[height + y];
                var north = probs.AsSpan(yTaps[y] * resolution, resolution);
                var south = probs.AsSpan(yTaps[height + y] * resolution, resolution);
                var row = bits.Slice(y * width, width);
                for (int x = 0; x < width; x++)
                {
                    int xw = xTaps[x];
                    int xe = xTaps[width + x];
                    float ww = xWeights[x];
                    float we = xWeights[width + x];
                    float value = (north[xw] * (wn * ww)) + (north[xe] * (wn * we)) + (south[xw] * (ws * ww)) + (south[xe] * (ws * we));
                    byte set = value >= threshold ? (byte)1 : (byte)0;
                    row[x] = set;
                    area += set;
                }
            }

            return area;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(probs);
        }
    }

    /// <summary>
    /// Per image column (or row) k from <paramref name="start"/>: the two mask taps and weights in the planar layout
    /// (first tap at [k], second at [count + k]), zero weight for a tap outside the mask. Float steps as the
    /// reference: g = (k + 0.5 - b0) / (b1 - b0) * 2 - 1, then ATen's unnormalize (g + 1) (m / 2) - 0.5.
    /// </summary>
    private static void AxisTaps(int start, int count, float b0, float b1, int resolution, Span<int> taps, Span<float> weights)
    {
        float span = b1 - b0;
        for (int k = 0; k < count; k++)
        {
            float g = ((((start + k) + 0.5f - b0) / span) * 2f) - 1f;
            float s = ((g + 1f) * (resolution * 0.5f)) - 0.5f;
            float f = MathF.Floor(s);
            float t = s - f;
            int i0 = (int)f;
            bool in0 = (uint)i0 < (uint)resolution;
            bool in1 = (uint)(i0 + 1) < (uint)resolution;
            taps[k] = in0 ? i0 : 0;
            taps[count + k] = in1 ? i0 + 1 : 0;
            weights[k] = in0 ? 1f - t : 0f;
            weights[count + k] = in1 ? t : 0f;
        }
    }
}
