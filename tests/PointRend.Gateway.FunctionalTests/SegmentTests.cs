using Grpc.Core;
using Grpc.Health.V1;
using PointRend.Contracts.V1;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

public sealed class SegmentTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private SegmentationService.SegmentationServiceClient Client => fixture.Server.Client;

    [Fact]
    public async Task Segment_CamVidPng_ReturnsClassPngOfInputSize()
    {
        // Act
        var response = await Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, id: "frame-1")).ResponseAsync.DefaultTimeout();

        // Assert
        Assert.Equal("frame-1", response.CorrelationId);
        Assert.Equal("camvid", response.Model);
        Assert.False(string.IsNullOrEmpty(response.ModelVersion));
        Assert.Equal((480, 360), (response.Width, response.Height));
        var labels = TestImages.DecodeGrey(response.ClassPng);
        Assert.Equal((480, 360), (labels.Width, labels.Height));
        Assert.All(labels.Data, id => Assert.True(id < 11, $"class id {id} >= 11"));
        Assert.True(response.PointsRefined > 0);
        Assert.True(response.Timings.TotalMs > 0);
        fixture.Server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Segment_RawRgb_EqualsPngInput()
    {
        var outputs = new OutputSelection { ClassRaw = true };
        var rgb = TestImages.SampleRgb;

        var fromPng = await Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Outputs = outputs })).ResponseAsync.DefaultTimeout();
        var fromRaw = await Client.SegmentAsync(TestImages.Raw(rgb.Pixels, rgb.Width, rgb.Height, new SegmentOptions { Outputs = outputs })).ResponseAsync.DefaultTimeout();

        Assert.Equal(480 * 360, fromRaw.ClassRaw.Length);
        Assert.True(fromPng.ClassRaw.Span.SequenceEqual(fromRaw.ClassRaw.Span));
        Assert.True(fromRaw.ClassPng.IsEmpty, "class_png is only the default when no output is selected");
    }

    [Fact]
    public async Task Segment_AllOutputsAtOtherSize_HaveRequestedSize()
    {
        var options = new SegmentOptions
        {
            OutputWidth = 240,
            OutputHeight = 180,
            Mode = RenderMode.Coarse,
            Outputs = new OutputSelection { ClassPng = true, ClassRaw = true, OverlayPng = true, UncertaintyPng = true },
        };

        var response = await Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, options)).ResponseAsync.DefaultTimeout();

        Assert.Equal(240 * 180, response.ClassRaw.Length);
        Assert.Equal(0, response.PointsRefined);
        foreach (var png in new[] { response.ClassPng, response.OverlayPng, response.UncertaintyPng })
        {
            var info = StbImageSharp.ImageInfo.FromStream(new MemoryStream(png.ToByteArray()));
            Assert.Equal((240, 180), (info!.Value.Width, info.Value.Height));
        }
    }

    [Fact]
    public async Task SegmentStream_SequenceOfFrames_ReturnsResultsInInputOrder()
    {
        var frames = TestPaths.ValFrames(4);
        using var call = Client.SegmentStream();

        foreach (var (path, i) in frames.Select((p, i) => (p, i)))
        {
            await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded(File.ReadAllBytes(path)), (ulong)(100 + i))).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var answers = new List<SegmentStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            answers.Add(answer);
        }

        Assert.Equal(frames.Select((_, i) => (ulong)(100 + i)), answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.Equal((FrameStatus.Processed, 480), (a.Status, a.Result.Width)));
    }

    [Fact]
    public async Task ListModels_ReturnsCamVidWithElevenClasses()
    {
        var response = await Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();

        var model = Assert.Single(response.Models, m => m.Name == "camvid");
        Assert.True(model.IsDefault);
        Assert.Equal(11, model.Classes.Count);
        Assert.Equal(0x808080u, model.Classes[0].ColorRgb);
        Assert.Equal("cpu", model.ExecutionProvider);
        var manifest = ModelManifest.Load(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", "model.json"));
        Assert.Equal(manifest.Coarse.Stride, model.CoarseStride);
    }

    [Fact]
    public async Task Health_Overall_IsServing()
    {
        var response = await fixture.Server.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task SegmentTiled_ImageSmallerThanTileSize_OneTileThenTheWhole()
    {
        using var call = Client.SegmentTiled(TestImages.Tiled(TestImages.Encoded(TestImages.SamplePng, id: "small")));

        var parts = new List<SegmentTiledResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
            parts.Add(call.ResponseStream.Current);
        }

        Assert.Equal([SegmentTiledResponse.PartOneofCase.Tile, SegmentTiledResponse.PartOneofCase.Result], parts.Select(p => p.PartCase));
        Assert.Equal((0, 0, 480, 360), (parts[0].Tile.X, parts[0].Tile.Y, parts[0].Tile.Width, parts[0].Tile.Height));
        Assert.Equal(("small", 1), (parts[1].Result.CorrelationId, parts[1].Result.Tiles));
    }
}
