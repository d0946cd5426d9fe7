using System.Buffers.Binary;
using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Imaging;
using PointRend.Testing;
using StbImageSharp;

namespace PointRend.Gateway.FunctionalTests;

internal static class TestImages
{
    public static byte[] SamplePng { get; } = File.ReadAllBytes(TestPaths.SampleImage);

    public static RgbImage SampleRgb { get; } = ImageDecoder.DecodeRgb8(SamplePng, new ImageLimits(1 << 24, 1 << 14));

    public static SegmentRequest Encoded(byte[] bytes, SegmentOptions? options = null, string id = "") => new()
    {
        Image = new Image { Encoded = ByteString.CopyFrom(bytes) },
        Options = options ?? new SegmentOptions(),
        CorrelationId = id,
    };

    /// <summary>The same image and options as a SegmentStream frame numbered <paramref name="sequence"/>.</summary>
    public static SegmentStreamRequest Frame(SegmentRequest request, ulong sequence) =>
        new() { Frame = new Frame { Sequence = sequence, Image = request.Image, Options = request.Options } };

    public static SegmentTiledRequest Tiled(SegmentRequest request) =>
        new() { Image = request.Image, Options = request.Options, CorrelationId = request.CorrelationId };

    /// <summary>
    /// Requests that each take real time (at 960x720 and more, 4x the input's pixels; dense: ~1.6 s on 2 cores) and
    /// differ in output width, so no cache or sharing can answer one from another.
    /// </summary>
    public static IEnumerable<SegmentRequest> DistinctSlow(int count, RenderMode mode = RenderMode.Dense) =>
        Enumerable.Range(0, count).Select(i => Encoded(SamplePng, new SegmentOptions { Mode = mode, OutputWidth = 960 + i, OutputHeight = 720 }));

    public static SegmentRequest Raw(byte[] rgb, int width, int height, SegmentOptions? options = null) => new()
    {
        Image = new Image { Raw = new RawImage { Rgb = ByteString.CopyFrom(rgb), Width = width, Height = height } },
        Options = options ?? new SegmentOptions(),
    };

    /// <summary>Decodes an 8-bit grey PNG the server returned.</summary>
    public static ImageResult DecodeGrey(ByteString png) => ImageResult.FromMemory(png.ToByteArray(), ColorComponents.Grey);

    /// <summary>
    /// A 57-byte PNG whose IHDR claims <paramref name="width"/> x <paramref name="height"/>, with a valid CRC so only a
    /// size check (not a checksum) can refuse it. Decoding it would try to allocate width*height*3 bytes.
    /// </summary>
    public static byte[] ForgedPng(int width, int height)
    {
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        AddChunk(png, "IHDR", ihdr);
        AddChunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        AddChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void AddChunk(List<byte> png, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        png.AddRange(len);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.AddRange(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.AddRange(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
