using StbImageSharp;

namespace PointRend.Imaging;

/// <summary>Interleaved RGB8 pixels, row-major; <c>Pixels.Length == Width * Height * 3</c>.</summary>
public sealed record RgbImage(byte[] Pixels, int Width, int Height);

public static class ImageDecoder
{
    /// <summary>
    /// Probes the header against <paramref name="limits"/>, checks the file's structure (every PNG chunk with its CRC;
    /// every JPEG marker up to EOI), then decodes to RGB8.
    /// </summary>
    /// <exception cref="ImageException">
    /// Unsupported, corrupt, truncated, zero-sized or oversized image; the only exception this throws, whatever the
    /// bytes. A decoder's own exception, if any, is the InnerException (for logs; its text is not the message).
    /// </exception>
    public static RgbImage DecodeRgb8(byte[] encoded, ImageLimits limits)
    {
        var header = ImageProbe.ProbeAndCheck(encoded, limits);
        try
        {
            if (header.Format == ImageFormat.Png)
            {
                if (PngFastPath.TryDecodeRgb8(encoded, PngChunks.Read(encoded)) is { } pixels)
                {
                    return new RgbImage(pixels, header.Width, header.Height);
                }
            }
            else
            {
                JpegMarkers.Check(encoded);
            }

            return DecodeWithStb(encoded, header);
        }
        catch (Exception ex) when (ex is not ImageException)
        {
            // The structure checks passed, so this is damage only a decoder saw (stb's reason, an index out of range in
            // its port, a zlib error): said in our words, the original kept as InnerException.
            throw ImageErrors.FromDecoder(header.Format, ex);
        }
    }

    private static RgbImage DecodeWithStb(byte[] encoded, ImageHeader header)
    {
        var result = ImageResult.FromMemory(encoded, ColorComponents.RedGreenBlue)
            ?? throw new InvalidOperationException("StbImageSharp returned no image"); // worded by the caller's catch
        if (result.Data is null || result.Width != header.Width || result.Height != header.Height || result.Data.Length != header.Width * header.Height * 3)
        {
            throw ImageErrors.SizeMismatch(header, result.Width, result.Height);
        }

        return new RgbImage(result.Data, result.Width, result.Height);
    }
}
