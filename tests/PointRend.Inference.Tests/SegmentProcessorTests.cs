using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StbImageWriteSharp;

namespace PointRend.Inference.Tests;

public sealed class SegmentProcessorTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public void Process_SizeNotAMultipleOfEight_ReturnsInputSize()
    {
        // 101x77 is resized up to 104x80 for the network; outputs come back at the caller's size.
        var image = ModelFixture.SampleImage();
        var rgb = Crop(image.Pixels, image.Width, 101, 77);
        var request = new SegmentRequest
        {
            Image = new Image { Raw = new RawImage { Rgb = ByteString.CopyFrom(rgb), Width = 101, Height = 77 } },
            Options = new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } },
        };

        var response = fixture.Processor.Process(request, CancellationToken.None);

        Assert.Equal((101, 77), (response.Width, response.Height));
        Assert.Equal(101 * 77, response.ClassRaw.Length);
        Assert.All(response.ClassRaw.ToByteArray(), id => Assert.True(id < 11));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void WarmUp_RunsTheConfiguredFramesThroughEveryModel(int frames)
    {
        // Own processor: the warm-up count comes from its options.
        using var processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = frames }, NullLoggerFactory.Instance);

        Assert.Equal(frames * (processor.Catalog.Models.Count + processor.Catalog.InstanceModels.Count), processor.WarmUp(CancellationToken.None));
    }

    [Fact]
    public void WarmUp_Cancelled_Stops()
    {
        using var processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = 2 }, NullLoggerFactory.Instance);

        Assert.Throws<OperationCanceledException>(() => processor.WarmUp(new CancellationToken(canceled: true)));
    }

    [Fact]
    public void WarmupFramesBelowZero_IsAValidationError()
    {
        var problems = new InferenceOptions { WarmupFrames = -1 }.Validate().ToList();

        Assert.Contains(problems, p => p.Contains("Inference:WarmupFrames is -1", StringComparison.Ordinal));
    }

    [Fact]
    public void Process_Jpeg_Decodes()
    {
        var image = ModelFixture.SampleImage();
        using var jpeg = new MemoryStream();
        new ImageWriter().WriteJpg(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, jpeg, 90);
        var request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(jpeg.ToArray()) } };

        var response = fixture.Processor.Process(request, CancellationToken.None);

        Assert.Equal((480, 360), (response.Width, response.Height));
        Assert.False(response.ClassPng.IsEmpty);
        Assert.Equal(fixture.CamVid.Manifest.Version, response.ModelVersion);
    }

    [Fact]
    public void Process_AlreadyCancelled_CancelledKind()
    {
        var request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(ModelFixture.SamplePath)) } };

        var ex = Assert.Throws<SegmentationException>(() => fixture.Processor.Process(request, new CancellationToken(canceled: true)));

        Assert.Equal(SegmentationErrorKind.Cancelled, ex.Kind);
    }

    private static byte[] Crop(byte[] rgb, int width, int w, int h)
    {
        var result = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
        {
            Array.Copy(rgb, y * width * 3, result, y * w * 3, w * 3);
        }

        return result;
    }
}
