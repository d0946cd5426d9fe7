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
    /// <summary>Inflated bytes unfiltered per batch (at least one row).</summary>
    private const int BandBytes = 256 * 1024;

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

        // Inflated and unfiltered a band of rows at a time straight into the RGB output: a 4096x4096 photo held 50 MB of
        // filtered rows plus a 6 MB copy of its IDAT data, both pooled and so resident for the life of the decoding
        // thread (issue 12). Bands rather than single rows: a zlib read per row cost a quarter more inflate time.
        var stride = width * channels;
        var rowBytes = stride + 1;
        var bandRows = Math.Clamp(BandBytes / rowBytes, 1, height);
        var band = ArrayPool<byte>.Shared.Rent(bandRows * rowBytes);
        var above = ArrayPool<byte>.Shared.Rent(stride); // the last row of the previous band
        try
        {
            var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
            using var zlib = new ZLibStream(new IdatStream(png), CompressionMode.Decompress);
            long inflated = 0;
            (int Row, int Filter)? badFilter = null;
            for (var y0 = 0; y0 < height; y0 += bandRows)
            {
                var rows = Math.Min(bandRows, height - y0);
                var got = zlib.ReadAtLeast(band.AsSpan(0, rows * rowBytes), rows * rowBytes, throwOnEndOfStream: false);
                inflated += got;
                if (got != rows * rowBytes)
                {
                    throw ImageErrors.PngPixelDataShort(inflated, rawLength);
                }

                for (var r = 0; r < rows && badFilter is null; r++)
                {
                    var line = band.AsSpan(r * rowBytes, rowBytes);
                    if (line[0] > 4)
                    {
                        // Reported once the rest is read, so a short stream is still reported as such (the order of
                        // the whole-buffer decoder this replaced).
                        badFilter = (y0 + r, line[0]);
                        break;
                    }

                    ReadOnlySpan<byte> previous = r > 0 ? band.AsSpan(((r - 1) * rowBytes) + 1, stride) : y0 > 0 ? above.AsSpan(0, stride) : [];
                    Unfilter(line[0], line[1..], previous, channels);
                    ToRgb(line[1..], rgb.AsSpan((y0 + r) * width * 3, width * 3), width, channels);
                }

                band.AsSpan(((rows - 1) * rowBytes) + 1, stride).CopyTo(above);
            }

            if (badFilter is { } bad)
            {
                throw ImageErrors.PngBadFilter(bad.Row, bad.Filter);
            }

            return rgb;
        }
        catch (InvalidDataException ex)
        {
            throw ImageErrors.PngZlibCorrupt(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(band);
            ArrayPool<byte>.Shared.Return(above);
        }
    }

    /// <summary>Reverses one row's filter in place; <paramref name="previous"/> is empty on the first row.</summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        var stride = row.Length;
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
            default:
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
        }
    }

    /// <summary>Grey is replicated and alpha dropped, as stb's RGB conversion does.</summary>
    private static void ToRgb(ReadOnlySpan<byte> row, Span<byte> output, int width, int bpp)
    {
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

    private static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }

    /// <summary>The concatenated IDAT payloads of a PNG whose chunk layout was already checked, read in place.</summary>
    private sealed class IdatStream(byte[] png) : Stream
    {
        private int _chunk = 8; // offset of the current chunk's length field
        private int _left;      // payload bytes of the current IDAT not yet read
        private int _at;        // offset of the next payload byte

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_left == 0)
            {
                if (_chunk < 0)
                {
                    return 0;
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(_chunk));
                var type = png.AsSpan(_chunk + 4, 4);
                if (type.SequenceEqual("IEND"u8))
                {
                    _chunk = -1;
                    return 0;
                }

                if (type.SequenceEqual("IDAT"u8))
                {
                    _at = _chunk + 8;
                    _left = length;
                }

                _chunk += 12 + length;
            }

            var n = Math.Min(_left, buffer.Length);
            png.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
