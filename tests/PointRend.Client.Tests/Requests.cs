using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Client.Tests;

internal static class Requests
{
    public static byte[] SamplePng { get; } = File.ReadAllBytes(TestPaths.SampleImage);

    public static Image Encoded(byte[] bytes) => new() { Encoded = ByteString.CopyFrom(bytes) };

    public static SegmentRequest Segment(SegmentOptions? options = null, string id = "") =>
        new() { Image = Encoded(SamplePng), Options = options ?? new SegmentOptions(), CorrelationId = id };

    /// <summary>Dense at 4x the pixels (~1.6 s on 2 cores): a request that cannot finish within a deadline of a few ms.</summary>
    public static SegmentRequest Slow(int widthOffset = 0) =>
        Segment(new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960 + widthOffset, OutputHeight = 720 });
}
