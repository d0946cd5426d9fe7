// PNG layout (ISO/IEC 15948): signature, chunks of length, type, data, CRC; IHDR first; the pixel data is the
// concatenated IDAT chunks, one zlib stream of scanlines, each a filter byte (0 None, 1 Sub, 2 Up, 3 Average,
// 4 Paeth) and the filtered bytes of the row.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    internal static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        var stride = row.Length;
        if (filter == 2 && !previous.IsEmpty)
        {
            AddUp(row, previous);
            return;
        }

        // Sub, Average and Paeth chain each pixel to its left neighbour, so they go a pixel per vector (the bytes of
        // one pixel are independent). Profiled on CamVid frames, the scalar Paeth with its unpredictable branches was
        // a tenth of a whole request's CPU. Two pixels at least: the 4-byte loads start at the first pixel.
        if (filter is 1 or 3 or 4 && bpp is 3 or 4 && stride >= 2 * bpp)
        {
            if (previous.IsEmpty)
            {
                // No row above behaves as a row of zeros: Average then adds a / 2, and Paeth picks a, which is Sub.
                UnfilterPixels(filter == 4 ? (byte)1 : filter, row, bpp, firstRow: true, []);
            }
            else
            {
                UnfilterPixels(filter, row, bpp, firstRow: false, previous);
            }

            return;
        }

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
            case 2:
                break; // Up on the first row is None
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
                // The first pixel has no left neighbour, so its predictor is "up".
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

    private static void AddUp(Span<byte> row, ReadOnlySpan<byte> previous)
    {
        var i = 0;
        for (; i + Vector128<byte>.Count <= row.Length; i += Vector128<byte>.Count)
        {
            var sum = Vector128.Create(row.Slice(i, Vector128<byte>.Count)) + Vector128.Create(previous.Slice(i, Vector128<byte>.Count));
            sum.CopyTo(row[i..]);
        }

        for (; i < row.Length; i++)
        {
            row[i] += previous[i];
        }
    }

    /// <summary>
    /// Sub (1), Average (3) or Paeth (4) for 3- or 4-byte pixels, one pixel per vector of 16-bit lanes. A 3-byte pixel
    /// is read and written as 4 bytes whose fourth (the next pixel's, still filtered) is written back unchanged; the
    /// last pixel of such a row goes through the scalar rule so nothing past the row is touched.
    /// </summary>
    private static void UnfilterPixels(byte filter, Span<byte> row, int bpp, bool firstRow, ReadOnlySpan<byte> previous)
    {
        var stride = row.Length;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var p = ref MemoryMarshal.GetReference(previous);
        if (!firstRow)
        {
            for (var i = 0; i < bpp; i++)
            {
                row[i] += filter switch
                {
                    3 => (byte)(previous[i] >> 1),
                    4 => previous[i],
                    _ => (byte)0,
                };
            }
        }

        var keep = bpp == 4 ? 0u : 0xFF000000u;
        var bytes = Vector128.Create((short)0xFF);
        var a = Widen(Unsafe.ReadUnaligned<uint>(ref r));
        var c = firstRow ? Vector128<short>.Zero : Widen(Unsafe.ReadUnaligned<uint>(ref p));
        var end = bpp == 4 ? stride : stride - bpp;
        var x = bpp;
        for (; x < end; x += bpp)
        {
            var raw = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r, x));
            Vector128<short> predictor;
            if (filter == 1)
            {
                predictor = a;
            }
            else
            {
                var b = firstRow ? Vector128<short>.Zero : Widen(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, x)));
                if (filter == 3)
                {
                    predictor = Vector128.ShiftRightLogical(a + b, 1);
                }
                else
                {
                    // Paeth: p = a + b - c, so |p - a| = |b - c|, |p - b| = |a - c|, |p - c| = |(b - c) + (a - c)|;
                    // ties prefer a, then b, as the scalar rule.
                    var bc = b - c;
                    var ac = a - c;
                    var pa = Vector128.Abs(bc);
                    var pb = Vector128.Abs(ac);
                    var pc = Vector128.Abs(bc + ac);
                    var useA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
                    predictor = Vector128.ConditionalSelect(useA, a, Vector128.ConditionalSelect(Vector128.LessThanOrEqual(pb, pc), b, c));
                    c = b;
                }
            }

            a = (Widen(raw) + predictor) & bytes;
            var pixel = Vector128.Narrow(a.AsUInt16(), a.AsUInt16()).AsUInt32().ToScalar();
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref r, x), (pixel & ~keep) | (raw & keep));
        }

        for (; x < stride; x++)
        {
            int left = row[x - bpp];
            row[x] += filter switch
            {
                1 => (byte)left,
                3 => (byte)((left + (firstRow ? 0 : previous[x])) >> 1),
                _ => Paeth(left, previous[x], previous[x - bpp]), // Paeth on the first row came in as Sub
            };
        }
    }

    private static Vector128<short> Widen(uint pixel) => Vector128.WidenLower(Vector128.CreateScalarUnsafe(pixel).AsByte()).AsInt16();

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
