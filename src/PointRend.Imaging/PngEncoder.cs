// PNG layout (ISO/IEC 15948): signature, IHDR, one IDAT holding a zlib stream of filtered scanlines, IEND; every
// chunk is length, type, data, CRC-32 of type and data.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace PointRend.Imaging;

/// <summary>8-bit grey and RGB PNG encoding with the platform's native zlib.</summary>
/// <remarks>
/// Written here rather than taken from StbImageWriteSharp: its managed deflate and five-filter search took 5.8 ms for
/// a 480x360 class-id map and 51 ms for a 480x360 RGB overlay, a large share of a 45 ms request (docs/benchmarks.md).
/// </remarks>
public static class PngEncoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Returns the stream's own buffer (no final copy); the caller copies it once into its message.</summary>
    public static ReadOnlyMemory<byte> EncodeGrey(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, channels: 1, colourType: 0);

    /// <summary>Interleaved RGB8 in, as <see cref="EncodeGrey"/> otherwise.</summary>
    public static ReadOnlyMemory<byte> EncodeRgb(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, channels: 3, colourType: 2);

    private static ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, byte colourType)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var stride = checked(width * channels);
        if (pixels.Length != checked(stride * height))
        {
            throw new ArgumentException($"expected {width * height * channels} bytes for {width}x{height}x{channels}, got {pixels.Length}", nameof(pixels));
        }

        // Compressed first, so the file is written once into a stream of its final size. Photographs (overlays)
        // keep about two thirds of their bytes, label maps a few percent.
        var idat = new MemoryStream(capacity: channels == 3 ? pixels.Length * 3 / 4 : (pixels.Length / 8) + 256);
        var row = ArrayPool<byte>.Shared.Rent(4 * (stride + 1));
        try
        {
            // Fastest: for label maps and overlays the ratio barely moves with the level, the time does.
            using var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true);
            for (var y = 0; y < height; y++)
            {
                var current = pixels.Slice(y * stride, stride);
                var previous = y == 0 ? ReadOnlySpan<byte>.Empty : pixels.Slice((y - 1) * stride, stride);
                zlib.Write(FilterRow(current, previous, channels, row.AsSpan(0, 4 * (stride + 1)), stride));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row);
        }

        var png = new MemoryStream(capacity: checked((int)idat.Length + 64));
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per sample
        header[9] = colourType;
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering, one filter byte per row
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.GetBuffer().AsMemory(0, (int)png.Length);
    }

    /// <summary>
    /// Filters one row with None, Sub, Up and Average, keeping the one with the smallest sum of absolute (signed)
    /// bytes: libpng's heuristic, which suits photographs (overlays) and flat label maps alike.
    /// </summary>
    private static ReadOnlySpan<byte> FilterRow(ReadOnlySpan<byte> current, ReadOnlySpan<byte> previous, int bpp, Span<byte> scratch, int stride)
    {
        var best = ReadOnlySpan<byte>.Empty;
        var bestCost = long.MaxValue;
        for (byte filter = 0; filter < 4; filter++)
        {
            if (previous.IsEmpty && filter >= 2)
            {
                break; // Up and Average need a row above; on the first row they equal None and Sub
            }

            var output = scratch.Slice(filter * (stride + 1), stride + 1);
            output[0] = filter;
            long cost = 0;
            for (var i = 0; i < stride; i++)
            {
                int left = i >= bpp ? current[i - bpp] : 0;
                int up = previous.IsEmpty ? 0 : previous[i];
                var value = (byte)(filter switch
                {
                    0 => current[i],
                    1 => current[i] - left,
                    2 => current[i] - up,
                    _ => current[i] - ((left + up) >> 1),
                });
                output[i + 1] = value;
                cost += Math.Abs((int)(sbyte)value);
            }

            if (cost < bestCost)
            {
                best = output;
                bestCost = cost;
            }
        }

        return best;
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }
}
