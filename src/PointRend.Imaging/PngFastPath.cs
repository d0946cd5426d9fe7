// PNG layout (ISO/IEC 15948): signature, chunks of length, type, data, CRC; IHDR first; the pixel data is the
// concatenated IDAT chunks, one zlib stream of scanlines, each a filter byte (0 None, 1 Sub, 2 Up, 3 Average,
// 4 Paeth) and the filtered bytes of the row.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace PointRend.Imaging;

/// <summary>
/// Decodes the PNGs cameras and pipelines actually send (8-bit grey, RGB or RGBA, not interlaced) with the platform's
/// native zlib; anything else is left to StbImageSharp. Damage is reported here, in <see cref="ImageErrors"/>' words.
/// </summary>
/// <remarks>StbImageSharp's managed inflate took 6.1 ms for a 480x360 CamVid frame, an eighth of a whole request
/// (docs/benchmarks.md). Semantics follow stb's RGB conversion: grey is replicated, alpha dropped.</remarks>
internal static class PngFastPath
{
    /// <summary>RGB8 pixels, or null when this image is not one the fast path takes (the caller falls back to stb).</summary>
    /// <param name="png">A PNG whose chunk layout <see cref="PngChunks.Read"/> checked and returned as <paramref name="layout"/>.</param>
    /// <exception cref="ImageException">The zlib stream is corrupt or too short, or a row has an unknown filter.</exception>
    public static byte[]? TryDecodeRgb8(byte[] png, PngLayout layout)
    {
        var (width, height, channels) = (layout.Width, layout.Height, layout.Channels);
        if (layout.BitDepth != 8 || layout.ColourType is not (0 or 2 or 6) || layout.Interlace != 0)
        {
            return null;
        }

        var rawLength = height * (((long)width * channels) + 1);
        if (rawLength > int.MaxValue)
        {
            return null;
        }

        var compressed = ArrayPool<byte>.Shared.Rent(layout.IdatBytes);
        var raw = ArrayPool<byte>.Shared.Rent((int)rawLength);
        try
        {
            CopyIdat(png, compressed);
            int inflated;
            using (var zlib = new ZLibStream(new MemoryStream(compressed, 0, layout.IdatBytes), CompressionMode.Decompress))
            {
                inflated = zlib.ReadAtLeast(raw.AsSpan(0, (int)rawLength), (int)rawLength, throwOnEndOfStream: false);
            }

            if (inflated != rawLength)
            {
                throw ImageErrors.PngPixelDataShort(inflated, rawLength);
            }

            return Unfilter(raw.AsSpan(0, (int)rawLength), width, height, channels);
        }
        catch (InvalidDataException ex)
        {
            throw ImageErrors.PngZlibCorrupt(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static void CopyIdat(byte[] png, byte[] destination)
    {
        var written = 0;
        for (var offset = 8; ;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = png.AsSpan(offset + 4, 4);
            if (type.SequenceEqual("IEND"u8))
            {
                return;
            }

            if (type.SequenceEqual("IDAT"u8))
            {
                png.AsSpan(offset + 8, length).CopyTo(destination.AsSpan(written));
                written += length;
            }

            offset += 12 + length;
        }
    }

    /// <summary>Reverses each row's filter in place (rows keep their filter byte), then converts to RGB8.</summary>
    private static byte[] Unfilter(Span<byte> raw, int width, int height, int bpp)
    {
        var stride = width * bpp;
        Span<byte> previous = [];
        for (var y = 0; y < height; y++)
        {
            var line = raw.Slice(y * (stride + 1), stride + 1);
            var filter = line[0];
            var row = line[1..];
            switch (filter)
            {
                case 0:
                    break;
                case 1:
                    for (var i = bpp; i < stride; i++)
                    {
                        row[i] += row[i - bpp];
                    }

                    break;
                case 2 when previous.IsEmpty:
                    break; // Up on the first row is None
                case 2:
                    for (var i = 0; i < stride; i++)
                    {
                        row[i] += previous[i];
                    }

                    break;
                case 3 when previous.IsEmpty:
                    for (var i = bpp; i < stride; i++)
                    {
                        row[i] += (byte)(row[i - bpp] >> 1);
                    }

                    break;
                case 3:
                    for (var i = 0; i < bpp; i++)
                    {
                        row[i] += (byte)(previous[i] >> 1);
                    }

                    for (var i = bpp; i < stride; i++)
                    {
                        row[i] += (byte)((row[i - bpp] + previous[i]) >> 1);
                    }

                    break;
                case 4 when previous.IsEmpty:
                    for (var i = bpp; i < stride; i++)
                    {
                        row[i] += row[i - bpp]; // Paeth with no row above is Sub
                    }

                    break;
                case 4:
                    // The hot case for photographs; the first pixel has no left neighbour, so its predictor is "up".
                    for (var i = 0; i < bpp; i++)
                    {
                        row[i] += previous[i];
                    }

                    for (var i = bpp; i < stride; i++)
                    {
                        row[i] += Paeth(row[i - bpp], previous[i], previous[i - bpp]);
                    }

                    break;
                default:
                    throw ImageErrors.PngBadFilter(y, filter);
            }

            previous = row;
        }

        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var row = raw.Slice((y * (stride + 1)) + 1, stride);
            var output = rgb.AsSpan(y * width * 3, width * 3);
            switch (bpp)
            {
                case 3:
                    row.CopyTo(output);
                    break;
                case 1:
                    for (var x = 0; x < width; x++)
                    {
                        output[3 * x] = output[(3 * x) + 1] = output[(3 * x) + 2] = row[x];
                    }

                    break;
                default:
                    for (var x = 0; x < width; x++)
                    {
                        output[3 * x] = row[4 * x];
                        output[(3 * x) + 1] = row[(4 * x) + 1];
                        output[(3 * x) + 2] = row[(4 * x) + 2];
                    }

                    break;
            }
        }

        return rgb;
    }

    private static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }
}
