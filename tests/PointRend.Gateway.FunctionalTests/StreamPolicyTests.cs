using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>Live video on SegmentStream: every frame answered in order, stale ones dropped rather than queued.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class StreamPolicyTests
{
    [Fact]
    public async Task Latest_FramesFasterThanThePool_OlderUnstartedFramesDroppedInOrderNewestServed()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "1",
            ["Gateway:StreamPipelineDepth"] = "1",
            ["Cache:Enabled"] = "false",
        });
        using var call = server.Client.SegmentStream();
        await call.RequestStream.WriteAsync(new SegmentStreamRequest { Config = new StreamConfig { Policy = StreamPolicy.Latest } }).DefaultTimeout();

        // Ten slow frames (dense at 2x, ~1.6 s each on 2 cores) written at once: a camera far faster than one worker.
        var frames = TestImages.DistinctSlow(10).Select((f, i) => TestImages.Frame(f, (ulong)i)).ToList();
        foreach (var frame in frames)
        {
            await call.RequestStream.WriteAsync(frame).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var answers = await StreamCalls.ReadAllAsync(call);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.True(a.Status is FrameStatus.Processed or FrameStatus.DroppedStale, a.ToString()));
        var processed = answers.Count(a => a.Status == FrameStatus.Processed);
        Assert.InRange(processed, 2, 9); // the first starts at once, the newest is always served; most between are dropped
        Assert.Equal(FrameStatus.Processed, answers[^1].Status);
        Assert.Equal((ulong)(10 - processed), answers[^1].State.FramesDropped);
        Assert.All(answers.Where(a => a.Status == FrameStatus.Processed), a => Assert.Equal(960 + (int)a.Sequence, a.Result.Width)); // DistinctSlow's widths
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task MaxAge_FramesCapturedLongAgo_DroppedStale_FreshFrameServed()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Cache:Enabled"] = "false" });
        using var call = server.Client.SegmentStream();
        await call.RequestStream.WriteAsync(new SegmentStreamRequest
        {
            Config = new StreamConfig { MaxAge = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) },
        }).DefaultTimeout();
        var coarse = new SegmentOptions { Mode = RenderMode.Coarse };
        var old = TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, coarse), 1);
        old.Frame.CaptureTime = Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-10));
        var fresh = TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, coarse), 2);
        fresh.Frame.CaptureTime = Timestamp.FromDateTime(DateTime.UtcNow);

        await call.RequestStream.WriteAsync(old).DefaultTimeout();
        await call.RequestStream.WriteAsync(fresh).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var answers = await StreamCalls.ReadAllAsync(call);

        Assert.Equal([(1UL, FrameStatus.DroppedStale), (2UL, FrameStatus.Processed)], answers.Select(a => (a.Sequence, a.Status)));
        Assert.Equal(1UL, answers[^1].State.FramesDropped);
    }

    [Fact]
    public async Task ConfigAfterTheFirstMessage_EndsTheStreamWithStreamProtocol()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Cache:Enabled"] = "false" });
        using var call = server.Client.SegmentStream();
        await call.RequestStream.WriteAsync(TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse }), 1)).DefaultTimeout();
        await call.RequestStream.WriteAsync(new SegmentStreamRequest { Config = new StreamConfig() }).DefaultTimeout();

        var ex = await Assert.ThrowsAsync<RpcException>(() => StreamCalls.ReadAllAsync(call)).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("STREAM_PROTOCOL", ex.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
    }
}
