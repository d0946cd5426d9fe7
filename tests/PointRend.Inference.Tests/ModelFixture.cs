using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Imaging;

namespace PointRend.Inference.Tests;

/// <summary>The shipped models, loaded once for the class (creating ONNX sessions is the slow part).</summary>
public sealed class ModelFixture : IDisposable
{
    public ModelFixture()
    {
        Processor = SegmentProcessor.Create(new InferenceOptions { ExecutionProvider = "auto" }, NullLoggerFactory.Instance);
        Assert.True(Processor.Catalog.TryGet("camvid", out var model));
        CamVid = model;
    }

    public SegmentProcessor Processor { get; }

    public LoadedModel CamVid { get; }

    public static RgbImage SampleImage() => ImageDecoder.DecodeRgb8(File.ReadAllBytes(SamplePath), new ImageLimits(1 << 24, 1 << 14));

    public static string SamplePath { get; } = FindSample();

    public void Dispose() => Processor.Dispose();

    private static string FindSample()
    {
        // The repo lives at <X>/main or <X>/ci with <X>/shared beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "camvid", "val", "0016E5_07959.png");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"no shared/datasets/camvid/val beside any parent of {AppContext.BaseDirectory}");
    }
}
