// Shape shorthand: a mask's tight box, Width x Height bytes row-major (CroppedMask).
// Boundary IoU (Cheng, Girshick, Dollar, Berg, Kirillov, CVPR 2021; boundary-iou-api mask_to_boundary): the band of
// a mask is the mask minus its erosion by a (2d + 1)^2 square, pixels outside the image counting as background (cv2
// erodes a zero-padded copy), d = max(1, round(0.02 * image diagonal)). The same as training/evaluate_instance.py.
using System.Buffers;

namespace PointRend.Core.Evaluation.Instances;

/// <summary>The inner boundary band of a mask, for Boundary IoU.</summary>
public static class BoundaryBand
{
    /// <summary>The paper's default: 2% of the image diagonal.</summary>
    public const double DefaultDilationRatio = 0.02;

    /// <summary>Band width d in pixels: max(1, round(ratio * diagonal)), rounding half to even as Python's round.</summary>
    public static int Dilation(int height, int width, double ratio = DefaultDilationRatio)
    {
        return Math.Max(1, (int)Math.Round(ratio * Math.Sqrt(((double)height * height) + ((double)width * width)), MidpointRounding.ToEven));
    }

    /// <summary>
    /// Pixels of the mask within d of its outside (Chebyshev distance): mask &amp; ~erode(mask). Everything outside
    /// the tight box is outside the mask, the image border included, so the band keeps the mask's box.
    /// </summary>
    public static CroppedMask Of(CroppedMask mask, int d)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        int w = mask.Width, h = mask.Height;
        var band = new byte[mask.Pixels.Length];
        if (band.Length == 0)
        {
            return mask;
        }

        // The square is separable: keep a pixel horizontally where the whole run [x - d, x + d] is set, then
        // vertically where the whole run [y - d, y + d] of those is kept.
        var across = ArrayPool<byte>.Shared.Rent(band.Length);
        try
        {
            var src = mask.Pixels.AsSpan();
            var horizontal = across.AsSpan(0, band.Length);
            horizontal.Clear();
            for (var y = 0; y < h; y++)
            {
                ErodeRuns(src.Slice(y * w, w), horizontal.Slice(y * w, w), 1, w, d);
            }

            // Vertical pass into band (as "eroded"), column by column with stride w.
            for (var x = 0; x < w; x++)
            {
                ErodeRuns(horizontal[x..], band.AsSpan(x), w, h, d);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(across);
        }

        long area = 0;
        var pixels = mask.Pixels;
        for (var i = 0; i < band.Length; i++)
        {
            var b = (byte)(pixels[i] & (band[i] ^ 1));
            band[i] = b;
            area += b;
        }

        return mask.WithPixels(band, area);
    }

    /// <summary>
    /// Along one line of n values at the given stride: eroded[i] = 1 where every value in [i - d, i + d] is set
    /// (positions off the line count as unset), i.e. [a + d, b - d) of every run [a, b) of set values.
    /// </summary>
    private static void ErodeRuns(ReadOnlySpan<byte> line, Span<byte> eroded, int stride, int n, int d)
    {
        var i = 0;
        while (i < n)
        {
            if (line[i * stride] == 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < n && line[i * stride] != 0)
            {
                i++;
            }

            for (var k = start + d; k < i - d; k++)
            {
                eroded[k * stride] = 1;
            }
        }
    }
}
