using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts.V1;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Benchmarks;

/// <summary>
/// One CamVid frame through the shipped model in-process, as a worker runs it, and the decode that precedes it:
/// where the time of a request goes besides the two networks, and what a frame allocates.
/// </summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private SegmentProcessor _processor = null!;
    private byte[] _png = [];
    private SegmentRequest _coarse = null!;
    private SegmentRequest _pointRend = null!;
    private SegmentRequest _pointRendAllOutputs = null!;
    private byte[] _labels = [];
    private byte[] _rgb = [];

    [GlobalSetup]
    public void Setup()
    {
        _processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = 8 }, NullLoggerFactory.Instance);
        _processor.WarmUp(CancellationToken.None);
        _png = File.ReadAllBytes(TestPaths.SampleImage);
        var image = new Image { Encoded = ByteString.CopyFrom(_png) };
        _coarse = new SegmentRequest { Image = image, Options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } } };
        _pointRend = new SegmentRequest { Image = image, Options = new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } } };
        _pointRendAllOutputs = new SegmentRequest
        {
            Image = image,
            Options = new SegmentOptions { Outputs = new OutputSelection { ClassPng = true, ClassRaw = true, OverlayPng = true, UncertaintyPng = true } },
        };
        _labels = _processor.Process(_pointRend, CancellationToken.None).ClassRaw.ToByteArray();
        _rgb = ImageDecoder.DecodeRgb8(_png, new ImageLimits(1 << 24, 1 << 14)).Pixels;
    }

    [Benchmark(Description = "encode a 480x360 class-id PNG (the default output)")]
    public int EncodeLabels() => PngEncoder.EncodeGrey(_labels, 480, 360).Length;

    [Benchmark(Description = "encode a 480x360 RGB PNG (overlay)")]
    public int EncodeRgb() => PngEncoder.EncodeRgb(_rgb, 480, 360).Length;

    [Benchmark(Description = "decode the 480x360 CamVid PNG to RGB8")]
    public int Decode() => ImageDecoder.DecodeRgb8(_png, new ImageLimits(1 << 24, 1 << 14)).Width;

    [Benchmark(Description = "frame, coarse mode, class_raw")]
    public SegmentResponse Coarse() => _processor.Process(_coarse, CancellationToken.None);

    [Benchmark(Description = "frame, pointrend 4 x 8192, class_raw")]
    public SegmentResponse PointRend() => _processor.Process(_pointRend, CancellationToken.None);

    [Benchmark(Description = "frame, pointrend, all four outputs")]
    public SegmentResponse PointRendAllOutputs() => _processor.Process(_pointRendAllOutputs, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup() => _processor.Dispose();
}
