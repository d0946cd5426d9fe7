// Shape shorthand: an H x W image; the mask is kept as its tight box, Width x Height bytes row-major (1 = set).
// Coordinates: pixel-edge (see PixelBox); the box of an empty mask is empty (0 x 0 at the origin).
using System.Buffers;
using PointRend.Core.Instances;

namespace PointRend.Core.Evaluation.Instances;

/// <summary>
/// A binary instance mask of an image, stored as the crop of its tight box: evaluation compares masks only where
/// their boxes overlap, and a person covers a few percent of a photo.
/// </summary>
public sealed class CroppedMask
{
    private CroppedMask(int imageHeight, int imageWidth, int x, int y, int width, int height, byte[] pixels, long area)
    {
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        X = x;
        Y = y;
        Width = width;
        Height = height;
        Pixels = pixels;
        Area = area;
    }

    public int ImageHeight { get; }

    public int ImageWidth { get; }

    /// <summary>Left column of the tight box.</summary>
    public int X { get; }

    /// <summary>Top row of the tight box.</summary>
    public int Y { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Width x Height bytes, row-major, 0 or 1.</summary>
    public byte[] Pixels { get; }

    /// <summary>Set pixels.</summary>
    public long Area { get; }

    public PixelBox Box => new(X, Y, X + Width, Y + Height);

    /// <summary>From a row-major H x W mask (nonzero = set).</summary>
    public static CroppedMask FromImage(ReadOnlySpan<byte> mask, int height, int width)
    {
        if (mask.Length != (long)height * width)
        {
            throw new ArgumentException($"expected {(long)height * width} mask bytes for {height}x{width}, got {mask.Length}", nameof(mask));
        }

        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (var y = 0; y < height; y++)
        {
            var row = mask.Slice(y * width, width);
            var first = row.IndexOfAnyExcept((byte)0);
            if (first < 0)
            {
                continue;
            }

            y0 = Math.Min(y0, y);
            y1 = y;
            x0 = Math.Min(x0, first);
            x1 = Math.Max(x1, row.LastIndexOfAnyExcept((byte)0));
        }

        if (x1 < 0)
        {
            return Empty(height, width);
        }

        int w = x1 - x0 + 1, h = y1 - y0 + 1;
        var pixels = new byte[w * h];
        long area = 0;
        for (var y = 0; y < h; y++)
        {
            var src = mask.Slice(((y0 + y) * width) + x0, w);
            for (var x = 0; x < w; x++)
            {
                var set = src[x] != 0 ? (byte)1 : (byte)0;
                pixels[(y * w) + x] = set;
                area += set;
            }
        }

        return new CroppedMask(height, width, x0, y0, w, h, pixels, area);
    }

    /// <summary>From uncompressed COCO counts (column-major runs, background first) of an H x W mask.</summary>
    public static CroppedMask FromRle(ReadOnlySpan<int> counts, int height, int width)
    {
        var full = ArrayPool<byte>.Shared.Rent(checked(height * width));
        try
        {
            var mask = full.AsSpan(0, height * width);
            CocoRle.Decode(counts, height, width, mask);
            return FromImage(mask, height, width);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(full);
        }
    }

    /// <summary>From a mask already cropped to the box at (x, y): its set pixels need not touch the box's edges.</summary>
    public static CroppedMask FromCrop(ReadOnlySpan<byte> crop, int x, int y, int width, int height, int imageHeight, int imageWidth)
    {
        if (x < 0 || y < 0 || x + width > imageWidth || y + height > imageHeight || crop.Length != (long)width * height)
        {
            throw new ArgumentException($"a {width}x{height} crop at ({x}, {y}) with {crop.Length} bytes does not fit a {imageWidth}x{imageHeight} image");
        }

        var inner = FromImage(crop, height, width);
        return inner.Area == 0
            ? Empty(imageHeight, imageWidth)
            : new CroppedMask(imageHeight, imageWidth, x + inner.X, y + inner.Y, inner.Width, inner.Height, inner.Pixels, inner.Area);
    }

    /// <summary>A mask over the same box with other pixels (the boundary band of this one).</summary>
    internal CroppedMask WithPixels(byte[] pixels, long area) => new(ImageHeight, ImageWidth, X, Y, Width, Height, pixels, area);

    private static CroppedMask Empty(int height, int width) => new(height, width, 0, 0, 0, 0, [], 0);

    /// <summary>Pixels set in both masks; only their boxes' overlap is visited.</summary>
    public static long Intersection(CroppedMask a, CroppedMask b)
    {
        int x0 = Math.Max(a.X, b.X), x1 = Math.Min(a.X + a.Width, b.X + b.Width);
        int y0 = Math.Max(a.Y, b.Y), y1 = Math.Min(a.Y + a.Height, b.Y + b.Height);
        if (x1 <= x0 || y1 <= y0)
        {
            return 0;
        }

        long inter = 0;
        for (var y = y0; y < y1; y++)
        {
            var ra = a.Pixels.AsSpan(((y - a.Y) * a.Width) + x0 - a.X, x1 - x0);
            var rb = b.Pixels.AsSpan(((y - b.Y) * b.Width) + x0 - b.X, ra.Length);
            for (var x = 0; x < ra.Length; x++)
            {
                inter += ra[x] & rb[x];
            }
        }

        return inter;
    }

    /// <summary>Intersection over union; 0 when both are empty.</summary>
    public static double IoU(CroppedMask a, CroppedMask b)
    {
        var inter = Intersection(a, b);
        var union = a.Area + b.Area - inter;
        return union > 0 ? (double)inter / union : 0;
    }
}
