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

    /// <summary>Returns the stream's own buffer (no final copy), referenced by nothing else: a caller may wrap it in its message.</summary>
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

        // One buffer: signature and IHDR, then the zlib stream straight into the IDAT chunk, whose length and CRC are
        // filled in afterwards. Compressing into its own stream first and then copying it into the file doubled the
        // peak for big outputs (a 4096x4096 overlay: 2 x 37 MB; issue 12). Photographs (overlays) keep about two
        // thirds of their bytes, label maps a few percent.
        var png = new MemoryStream(capacity: (channels == 3 ? pixels.Length * 3 / 4 : (pixels.Length / 8) + 256) + 64);
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

        var idatStart = (int)png.Position;
        png.Write([0, 0, 0, 0]);
        png.Write("IDAT"u8);
        var row = ArrayPool<byte>.Shared.Rent(4 * (stride + 1));
        try
        {
            // Fastest: for label maps and overlays the ratio barely moves with the level, the time does.
            using var zlib = new ZLibStream(png, CompressionLevel.Fastest, leaveOpen: true);
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

        var dataLength = checked((int)png.Position - idatStart - 8);
        var buffer = png.GetBuffer();
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(idatStart), dataLength);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(buffer.AsSpan(idatStart + 4, 4 + dataLength)));
        png.Write(crc);
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
            var cost = Apply(filter, current, previous, bpp, output[1..]);
            if (cost < bestCost)
            {
                best = output;
                bestCost = cost;
            }
        }

        return best;
    }

    /// <summary>One filter over a row, one loop per filter (a switch per byte cost as much as the filtering); returns the row's cost.</summary>
    private static long Apply(byte filter, ReadOnlySpan<byte> current, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        var stride = current.Length;
        long cost = 0;
        switch (filter)
        {
            case 0:
                current.CopyTo(output);
                break;
            case 1:
                current[..bpp].CopyTo(output);
                for (var i = bpp; i < stride; i++)
                {
                    output[i] = (byte)(current[i] - current[i - bpp]);
                }

                break;
            case 2:
                for (var i = 0; i < stride; i++)
                {
                    output[i] = (byte)(current[i] - previous[i]);
                }

                break;
            default:
                for (var i = 0; i < bpp; i++)
                {
                    output[i] = (byte)(current[i] - (previous[i] >> 1));
                }

                for (var i = bpp; i < stride; i++)
                {
                    output[i] = (byte)(current[i] - ((current[i - bpp] + previous[i]) >> 1));
                }

                break;
        }

        foreach (var value in output[..stride])
        {
            cost += Math.Abs((int)(sbyte)value);
        }

        return cost;
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
