using Google.Rpc;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>StreamConfig.progressive: the coarse mask first, the refined one after, two answers of one frame, in order.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class ProgressiveStreamTests
{
    [Fact]
    public async Task Progressive_EachRefinedFrameAnsweredCoarseThenFinal_BadFrameAndCoarseFrameOnce()
    {
        // One worker: the coarse job is queued before the full one, so it is always ready first.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "1",
            ["Cache:Enabled"] = "false",
        });
        var outputs = new OutputSelection { ClassRaw = true };
        var frames = new[]
        {
            TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Outputs = outputs }), 0),
            TestImages.Frame(TestImages.Encoded([1, 2, 3]), 1),
            TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse, Outputs = outputs }), 2),
            TestImages.Frame(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Outputs = outputs }), 3),
        };

        var answers = await StreamCalls.SendAllAsync(server.Client, new StreamConfig { Progressive = true }, frames);

        Assert.Equal(
            [
                (0UL, ResultStage.Coarse, FrameStatus.Processed), (0UL, ResultStage.Final, FrameStatus.Processed),
                (1UL, ResultStage.Final, FrameStatus.Failed),
                (2UL, ResultStage.Final, FrameStatus.Processed),
                (3UL, ResultStage.Coarse, FrameStatus.Processed), (3UL, ResultStage.Final, FrameStatus.Processed),
            ],
            answers.Select(a => (a.Sequence, a.Stage, a.Status)));
        Assert.Equal("IMAGE_UNSUPPORTED_FORMAT", answers[2].Error.GetDetail<ErrorInfo>()!.Reason);
        var (coarse, refined) = (answers[0].Result, answers[1].Result);
        Assert.Equal((0, true), (coarse.PointsRefined, refined.PointsRefined > 0));
        Assert.Equal(coarse.ClassRaw.Length, refined.ClassRaw.Length);
        Assert.False(coarse.ClassRaw.Span.SequenceEqual(refined.ClassRaw.Span)); // refinement moved some boundary pixels
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task NotProgressive_OneFinalAnswerPerFrame()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Cache:Enabled"] = "false" });
        var frames = Enumerable.Range(0, 2).Select(i => TestImages.Frame(TestImages.Encoded(TestImages.SamplePng), (ulong)i));

        var answers = await StreamCalls.SendAllAsync(server.Client, new StreamConfig(), frames);

        Assert.Equal([(0UL, ResultStage.Final), (1UL, ResultStage.Final)], answers.Select(a => (a.Sequence, a.Stage)));
    }
}
