// Shape shorthand: an h x w photo; ids are h x w bytes row-major, RGB pictures h x w x 3 interleaved.
// Coordinates: photo pixels; a mask is the crop (left, top, width, height) of the photo, 1 = inside.
using System.Buffers;
using PointRend.Core.Instances;
using PointRend.Imaging;

namespace PointRend.Inference;

/// <summary>
/// The pictures of an instance result: the instance-id map (0 = background, k = detection k in result order, an earlier
/// detection keeping the pixels a later one also claims) and the colour overlay with an outline around each instance.
/// </summary>
public static class InstancePictures
{
    /// <summary>Ids are bytes: the first 255 detections are drawn, later ones left out (as the API's instance_id_png says).</summary>
    public const int MaxInstances = 255;

    // Tableau 10 and a few more: neighbouring detections (consecutive ids) get colours far apart.
    private static ReadOnlySpan<byte> Palette =>
    [
        31, 119, 180, 255, 127, 14, 44, 160, 44, 214, 39, 40, 148, 103, 189, 140, 86, 75, 227, 119, 194,
        127, 127, 127, 188, 189, 34, 23, 190, 207, 255, 215, 0, 0, 128, 128,
    ];

    /// <summary>The colour of instance <paramref name="id"/> (1-based), cycling through a fixed palette.</summary>
    public static (byte R, byte G, byte B) Colour(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(id);
        var c = ((id - 1) % (Palette.Length / 3)) * 3;
        return (Palette[c], Palette[c + 1], Palette[c + 2]);
    }

    /// <summary>Writes the id map of <paramref name="masks"/> (in order, ids 1..n, n at most 255) into <paramref name="ids"/>.</summary>
    public static void InstanceIds(IReadOnlyList<PastedMask> masks, int width, int height, Span<byte> ids)
    {
        ids.Slice(0, checked(width * height)).Clear();
        for (var k = 0; k < Math.Min(masks.Count, MaxInstances); k++)
        {
            var m = masks[k];
            Stamp(ids, width, height, (byte)(k + 1), m.Bits, m.Left, m.Top, m.Width, m.Height);
        }
    }

    /// <summary>Sets <paramref name="id"/> where the mask is set and no earlier instance is.</summary>
    public static void Stamp(Span<byte> ids, int width, int height, byte id, ReadOnlySpan<byte> bits, int left, int top, int maskWidth, int maskHeight)
    {
        if (left < 0 || top < 0 || left + maskWidth > width || top + maskHeight > height || bits.Length < maskWidth * maskHeight)
        {
            throw new ArgumentException($"a {maskWidth}x{maskHeight} mask at ({left}, {top}) does not fit a {width}x{height} image");
        }

        for (var y = 0; y < maskHeight; y++)
        {
            var row = ids.Slice(((top + y) * width) + left, maskWidth);
            var src = bits.Slice(y * maskWidth, maskWidth);
            for (var x = 0; x < maskWidth; x++)
            {
                if (src[x] != 0 && row[x] == 0)
                {
                    row[x] = id;
                }
            }
        }
    }

    /// <summary>
    /// The photo with each instance blended 50% with its colour and outlined in the full colour: an instance pixel
    /// with a 4-neighbour of another id (or the photo's edge) is outline, so touching people stay apart.
    /// </summary>
    public static void Overlay(ReadOnlySpan<byte> ids, ReadOnlySpan<byte> rgb, int width, int height, Span<byte> pixels)
    {
        var n = checked(width * height);
        if (ids.Length < n || rgb.Length < 3 * n || pixels.Length < 3 * n)
        {
            throw new ArgumentException($"a {width}x{height} overlay needs {n} ids and {3 * n} RGB bytes in and out");
        }

        Span<byte> colours = stackalloc byte[3 * 256];
        for (var id = 1; id < 256; id++)
        {
            (colours[3 * id], colours[(3 * id) + 1], colours[(3 * id) + 2]) = Colour(id);
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                var id = ids[i];
                var o = 3 * i;
                if (id == 0)
                {
                    pixels[o] = rgb[o];
                    pixels[o + 1] = rgb[o + 1];
                    pixels[o + 2] = rgb[o + 2];
                    continue;
                }

                var edge = x == 0 || y == 0 || x == width - 1 || y == height - 1
                    || ids[i - 1] != id || ids[i + 1] != id || ids[i - width] != id || ids[i + width] != id;
                var c = colours.Slice(3 * id, 3);
                for (var k = 0; k < 3; k++)
                {
                    pixels[o + k] = edge ? c[k] : (byte)((rgb[o + k] + c[k] + 1) >> 1);
                }
            }
        }
    }

    /// <summary>The id map as an 8-bit grey PNG.</summary>
    public static byte[] InstanceIdPng(IReadOnlyList<PastedMask> masks, int width, int height)
    {
        var n = checked(width * height);
        var ids = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            InstanceIds(masks, width, height, ids);
            return PngEncoder.EncodeGrey(ids.AsSpan(0, n), width, height).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ids);
        }
    }

    /// <summary>The overlay of <paramref name="masks"/> on the RGB8 photo as an RGB PNG.</summary>
    public static byte[] OverlayPng(IReadOnlyList<PastedMask> masks, ReadOnlySpan<byte> rgb, int width, int height)
    {
        var n = checked(width * height);
        var ids = ArrayPool<byte>.Shared.Rent(n);
        var pixels = ArrayPool<byte>.Shared.Rent(3 * n);
        try
        {
            InstanceIds(masks, width, height, ids);
            Overlay(ids.AsSpan(0, n), rgb, width, height, pixels);
            return PngEncoder.EncodeRgb(pixels.AsSpan(0, 3 * n), width, height).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ids);
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }
}
