using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts.V1;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>The Penn-Fudan instance model through the real gateway: unary, stream, tiled refusal, cache.</summary>
public sealed class InstanceSegmentTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly byte[] Photo = File.ReadAllBytes(TestPaths.PennFudanImage("PennPed00025"));

    private static readonly OutputSelection AllInstanceOutputs = new() { InstanceRle = true, InstanceMaskPng = true, InstanceIdPng = true, OverlayPng = true };

    private static SegmentRequest Request(string id = "", OutputSelection? outputs = null) =>
        TestImages.Encoded(Photo, new SegmentOptions { Model = "pennfudan", Outputs = outputs ?? AllInstanceOutputs }, id);

    [Fact]
    public async Task Segment_PennFudanPhoto_SameInstancesAsInProcess()
    {
        // Arrange
        using var processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = 0 }, NullLoggerFactory.Instance);
        var local = processor.Process(Request("local"), CancellationToken.None);

        // Act
        var served = await fixture.Server.Client.SegmentAsync(Request("served")).ResponseAsync.DefaultTimeout();

        // Assert
        Assert.Equal(("served", "pennfudan"), (served.CorrelationId, served.Model));
        Assert.NotEmpty(served.Instances);
        AssertSameInstances(local, served);
        var overlay = StbImageSharp.ImageInfo.FromStream(new MemoryStream(served.OverlayPng.ToByteArray()));
        Assert.Equal((served.Width, served.Height), (overlay!.Value.Width, overlay.Value.Height));
        fixture.Server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task SegmentStream_InstanceFrames_EachAnsweredWithTheUnaryInstances()
    {
        var unary = await fixture.Server.Client.SegmentAsync(Request()).ResponseAsync.DefaultTimeout();
        using var call = fixture.Server.Client.SegmentStream();

        for (ulong i = 1; i <= 2; i++)
        {
            await call.RequestStream.WriteAsync(TestImages.Frame(Request(), i)).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var answers = new List<SegmentStreamResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
            answers.Add(call.ResponseStream.Current);
        }

        Assert.Equal([1UL, 2UL], answers.Select(a => a.Sequence));
        Assert.All(answers, a => AssertSameInstances(unary, a.Result));
    }

    [Fact]
    public async Task SegmentTiled_InstanceModel_RefusedWithTaskMismatch()
    {
        using var call = fixture.Server.Client.SegmentTiled(TestImages.Tiled(Request()));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("does not tile instance models", ex.Status.Detail, StringComparison.Ordinal);
        var status = ex.GetRpcStatus()!;
        Assert.Equal("TASK_MISMATCH", status.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal("options.model", Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task Segment_CacheOn_SecondCallIsAHitWithTheSameInstances()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Cache:Enabled"] = "true",
            ["Inference:WarmupFrames"] = "0",
        });

        var first = await server.Client.SegmentAsync(Request(outputs: new OutputSelection { InstanceRle = true })).ResponseAsync.DefaultTimeout();
        var second = await server.Client.SegmentAsync(Request(outputs: new OutputSelection { InstanceRle = true })).ResponseAsync.DefaultTimeout();
        var otherMode = await server.Client.SegmentAsync(TestImages.Encoded(Photo, new SegmentOptions { Model = "pennfudan", MaskMode = MaskMode.Coarse })).ResponseAsync.DefaultTimeout();

        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.False(otherMode.CacheHit);
        AssertSameInstances(first, second);
        Assert.Equal(7, otherMode.MaskResolution);
        server.AssertNoUnexpectedErrors();
    }

    /// <summary>Everything that describes the result (not timings, ids or cache flags).</summary>
    private static void AssertSameInstances(SegmentResponse expected, SegmentResponse actual)
    {
        Assert.Equal((expected.Width, expected.Height, expected.MaskResolution, expected.PointsRefined), (actual.Width, actual.Height, actual.MaskResolution, actual.PointsRefined));
        Assert.Equal(expected.Instances, actual.Instances);
        Assert.Equal(expected.InstanceIdPng, actual.InstanceIdPng);
        Assert.Equal(expected.OverlayPng, actual.OverlayPng);
    }
}
