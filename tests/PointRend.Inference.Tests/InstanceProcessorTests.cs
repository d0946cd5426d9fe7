using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference.Instances;
using PointRend.Testing;
using MaskMode = PointRend.Contracts.V1.MaskMode;

namespace PointRend.Inference.Tests;

/// <summary>Instance requests through the whole SegmentProcessor (validate, decode, detector, refinement, encode).</summary>
public sealed class InstanceProcessorTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly byte[] Photo = File.ReadAllBytes(TestPaths.PennFudanImage("FudanPed00005"));

    private static SegmentRequest Request(SegmentOptions options) => new()
    {
        Image = new Image { Encoded = ByteString.CopyFrom(Photo) },
        Options = options,
    };

    [Fact]
    public void Process_PennFudanPhoto_InstancesEqualTheEngineDecodedFromTheirRle()
    {
        var options = new SegmentOptions { Model = "pennfudan", Outputs = new OutputSelection { InstanceRle = true, InstanceIdPng = true, InstanceMaskPng = true } };

        var response = fixture.Processor.Process(Request(options), CancellationToken.None);

        Assert.Equal((335, 344), (response.Width, response.Height));
        Assert.Equal(224, response.MaskResolution);
        Assert.NotEmpty(response.Instances);
        Assert.True(fixture.Processor.Catalog.TryGetInstance("pennfudan", out var model));
        var image = ImageDecoder.DecodeRgb8(Photo, new ImageLimits(1 << 24, 8192));
        using var runOptions = new RunOptions();
        using var direct = InstanceEngine.Run(model, image.Pixels, image.Width, image.Height, new InstanceOptions(MaskRefineOptions.Default, 0.5f, 100), runOptions);
        Assert.Equal(direct.Detections.Count, response.Instances.Count);
        var ids = TestImageDecode.Grey(response.InstanceIdPng.ToByteArray(), 335, 344);
        for (var k = 0; k < direct.Detections.Count; k++)
        {
            var d = direct.Detections[k];
            var got = response.Instances[k];
            Assert.Equal(("person", 1, d.Score), (got.ClassName, got.ClassId, got.Score));
            Assert.True(got.Score >= 0.5f);
            var mask = new byte[335 * 344];
            CocoRle.Decode(got.RleCounts.ToArray(), 344, 335, mask);
            Assert.Equal(d.Mask.Area, got.Area);
            Assert.Equal(d.Mask.Area, mask.Count(b => b != 0));
            for (var y = 0; y < 344; y++)
            {
                for (var x = 0; x < 335; x++)
                {
                    Assert.Equal(d.Mask.Contains(x, y), mask[(y * 335) + x] != 0);

                    // The id map: pixel of instance k unless an earlier instance has it.
                    var owner = ids[(y * 335) + x];
                    Assert.True(!d.Mask.Contains(x, y) || (owner != 0 && owner <= k + 1), $"({x}, {y}) of instance {k + 1} has id {owner}");
                }
            }

            var crop = TestImageDecode.Grey(got.MaskPng.ToByteArray(), got.MaskRect.Width, got.MaskRect.Height);
            Assert.Equal(d.Mask.Area, crop.Count(b => b == 255));
        }
    }

    [Theory]
    [InlineData(MaskMode.Coarse, 7, 0)]
    [InlineData(MaskMode.Grid, 28, 784)]
    [InlineData(MaskMode.Pointrend, 224, 784 * 4)]
    public void Process_MaskModes_RefineToTheirResolution(MaskMode mode, int resolution, int pointsPerDetection)
    {
        var response = fixture.Processor.Process(Request(new SegmentOptions { Model = "pennfudan", MaskMode = mode }), CancellationToken.None);

        Assert.Equal(resolution, response.MaskResolution);
        Assert.Equal(pointsPerDetection * response.Instances.Count, response.PointsRefined);
        Assert.All(response.Instances, i => Assert.NotEmpty(i.RleCounts));
    }

    [Fact]
    public void Process_ThresholdAndMaximum_KeepTheTopScores()
    {
        var all = fixture.Processor.Process(Request(new SegmentOptions { Model = "pennfudan", ScoreThreshold = 0.05f, MaskMode = MaskMode.Coarse }), CancellationToken.None);
        var two = fixture.Processor.Process(Request(new SegmentOptions { Model = "pennfudan", ScoreThreshold = 0.05f, MaxDetections = 2, MaskMode = MaskMode.Coarse }), CancellationToken.None);

        Assert.True(all.Instances.Count > 2, $"{all.Instances.Count} detections above 0.05");
        Assert.All(all.Instances, i => Assert.True(i.Score >= 0.05f));
        Assert.Equal(all.Instances.Take(2).Select(i => i.Score), two.Instances.Select(i => i.Score));
    }

    [Fact]
    public void Process_PhotoWithoutPeople_ReturnsNoInstances()
    {
        // detector.onnx fails on its own zero-row case; the engine reads that as no detections.
        var grey = new byte[64 * 48 * 3];
        Array.Fill(grey, (byte)128);
        var request = new SegmentRequest
        {
            Image = new Image { Raw = new RawImage { Rgb = ByteString.CopyFrom(grey), Width = 64, Height = 48 } },
            Options = new SegmentOptions { Model = "pennfudan", Outputs = new OutputSelection { InstanceIdPng = true, OverlayPng = true } },
        };

        var response = fixture.Processor.Process(request, CancellationToken.None);

        Assert.Empty(response.Instances);
        Assert.All(TestImageDecode.Grey(response.InstanceIdPng.ToByteArray(), 64, 48), id => Assert.Equal(0, id));
        Assert.False(response.OverlayPng.IsEmpty);
    }

    [Theory]
    [InlineData("pennfudan", "class_png")]
    [InlineData("pennfudan", "mode")]
    [InlineData("pennfudan", "output_width")]
    [InlineData("camvid", "score_threshold")]
    [InlineData("camvid", "instance_rle")]
    public void Process_OptionOfTheOtherTask_IsInvalidArgumentNamingTheField(string model, string field)
    {
        var options = new SegmentOptions { Model = model };
        switch (field)
        {
            case "class_png": options.Outputs = new OutputSelection { ClassPng = true }; break;
            case "mode": options.Mode = RenderMode.Dense; break;
            case "output_width": options.OutputWidth = 100; break;
            case "score_threshold": options.ScoreThreshold = 0.7f; break;
            default: options.Outputs = new OutputSelection { InstanceRle = true }; break;
        }

        var ex = Assert.Throws<SegmentationException>(() => fixture.Processor.Process(Request(options), CancellationToken.None));

        Assert.Equal((SegmentationErrorKind.InvalidArgument, ErrorReason.TaskMismatch), (ex.Kind, ex.Reason));
        Assert.EndsWith(field, ex.Field, StringComparison.Ordinal);
        Assert.Contains(model, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListModels_SaysEachModelsTask()
    {
        var models = fixture.Processor.ListModels().Models.ToDictionary(m => m.Name);

        Assert.Equal(ModelTask.Semantic, models["camvid"].Task);
        Assert.Equal(ModelTask.Instance, models["pennfudan"].Task);
        Assert.Equal(224, models["pennfudan"].MaskResolution);
        Assert.Equal("person", Assert.Single(models["pennfudan"].Classes).Name);
        Assert.Equal(models.Keys.Order(StringComparer.Ordinal), models.Keys);
    }
}

/// <summary>Grey PNG decoding through StbImageSharp (independent of our encoder).</summary>
internal static class TestImageDecode
{
    public static byte[] Grey(byte[] png, int width, int height)
    {
        var image = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.Grey);
        Assert.Equal((width, height), (image.Width, image.Height));
        return image.Data;
    }
}
