using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using StbImageWriteSharp;

namespace PointRend.Inference.Tests;

/// <summary>Real encoded images for the decoder tests, and the PNG surgery the error cases need.</summary>
internal static class ImageSamples
{
    /// <summary>The 480x360 CamVid frame (8-bit RGB, the fast path's case).</summary>
    public static byte[] CamVidPng() => File.ReadAllBytes(PointRend.Testing.TestPaths.SampleImage);

    /// <summary>The CamVid frame as a baseline JPEG from StbImageWriteSharp (an encoder independent of ours).</summary>
    public static byte[] CamVidJpeg() => LazyCamVidJpeg.Value.ToArray();

    /// <summary>96x64, 10 scans; written by PIL (progressive=True), which no .NET package here can do.</summary>
    public static byte[] ProgressiveJpeg() => File.ReadAllBytes(TestData("progressive-96x64.jpg"));

    /// <summary>96x64, 4-bit palette with PLTE (written by PIL): a PNG the fast path leaves to stb.</summary>
    public static byte[] PalettePng() => File.ReadAllBytes(TestData("palette-96x64.png"));

    private static readonly Lazy<byte[]> LazyCamVidJpeg = new(() =>
    {
        var frame = StbImageSharp.ImageResult.FromMemory(CamVidPng(), StbImageSharp.ColorComponents.RedGreenBlue);
        using var stream = new MemoryStream();
        new ImageWriter().WriteJpg(frame.Data, frame.Width, frame.Height, ColorComponents.RedGreenBlue, stream, 90);
        return stream.ToArray();
    });

    /// <summary>Each chunk's start offset, data length and type, in file order (stops at a malformed length).</summary>
    public static List<(int Offset, int Length, string Type)> Chunks(byte[] png)
    {
        var chunks = new List<(int, int, string)>();
        for (var offset = 8; offset + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            if (length < 0 || offset + 12L + length > png.Length)
            {
                break;
            }

            chunks.Add((offset, length, Encoding.Latin1.GetString(png, offset + 4, 4)));
            offset += 12 + length;
        }

        return chunks;
    }

    public static (int Offset, int Length, string Type) Chunk(byte[] png, string type) => Chunks(png).First(c => c.Type == type);

    /// <summary>Recomputes the CRC of the chunk at <paramref name="offset"/>, so a change to its data gets past the CRC check.</summary>
    public static byte[] FixCrc(byte[] png, int offset)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        var crc = Crc32.HashToUInt32(png.AsSpan(offset + 4, 4 + length));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(offset + 8 + length), crc);
        return png;
    }

    /// <summary>A PNG with the CamVid frame's IHDR, one IDAT holding zlib(<paramref name="raw"/>), and IEND.</summary>
    public static byte[] PngWithPixelData(byte[] ihdrSource, byte[] raw)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        using var png = new MemoryStream();
        png.Write(ihdrSource.AsSpan(0, 33)); // signature + IHDR chunk
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        stream.Write(chunk);
    }

    /// <summary>Offsets of the JPEG markers before the first scan's data (SOI excluded), each with its segment length.</summary>
    public static List<(int Offset, byte Marker)> JpegSegments(byte[] jpeg)
    {
        var segments = new List<(int, byte)>();
        for (var i = 2; i + 4 <= jpeg.Length && jpeg[i] == 0xFF;)
        {
            var marker = jpeg[i + 1];
            segments.Add((i, marker));
            if (marker == 0xDA)
            {
                break;
            }

            i += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(i + 2));
        }

        return segments;
    }

    private static string TestData(string file, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "testdata", file);
}
