using StbImageSharp;

namespace PointRend.Imaging;

/// <summary>Interleaved RGB8 pixels, row-major; <c>Pixels.Length == Width * Height * 3</c>.</summary>
public sealed record RgbImage(byte[] Pixels, int Width, int Height);

public static class ImageDecoder
{
    /// <summary>Probes the header against <paramref name="limits"/>, then decodes to RGB8.</summary>
    /// <exception cref="ImageException">Unsupported, corrupt, truncated, zero-sized or oversized image.</exception>
    public static RgbImage DecodeRgb8(byte[] encoded, ImageLimits limits)
    {
        var header = ImageProbe.ProbeAndCheck(encoded, limits);
        if (header.Format == ImageFormat.Png && PngFastPath.TryDecodeRgb8(encoded, header.Width, header.Height) is { } pixels)
        {
            return new RgbImage(pixels, header.Width, header.Height);
        }

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(encoded, ColorComponents.RedGreenBlue);
        }
        catch (Exception ex) when (ex is not ImageException)
        {
            // stb reports truncation and corruption alike ("outofdata", "bad zlib header", ...); its reason is kept.
            throw new ImageException(ImageErrorKind.Corrupt, $"{header.Format} is corrupt or truncated: {ex.Message}", header.Width, header.Height, ex);
        }

        if (result is null || result.Data is null)
        {
            throw new ImageException(ImageErrorKind.Corrupt, $"{header.Format} could not be decoded", header.Width, header.Height);
        }

        if (result.Width != header.Width || result.Height != header.Height || result.Data.Length != header.Width * header.Height * 3)
        {
            throw new ImageException(
                ImageErrorKind.Corrupt,
                $"{header.Format} is corrupt: header says {header.Width}x{header.Height}, decoder produced {result.Width}x{result.Height}",
                header.Width,
                header.Height);
        }

        return new RgbImage(result.Data, result.Width, result.Height);
    }
}
