using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>Overload answers (degrade, progressive) through Redis and worker processes, as in the embedded pool.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class StreamOverloadTests(TwoWorkers cluster) : IClassFixture<TwoWorkers>
{
    [Fact]
    public async Task LatestDegradeProgressive_SlowFramesThroughWorkers_OneFinalAnswerPerFrameInOrder_CoarseBeforeFinal()
    {
        // Dense at 960x720 (~1.6 s a frame on 2 cores), eight distinct frames written at once.
        var slow = new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720, Outputs = new OutputSelection { ClassRaw = true } };
        using var call = cluster.Gateway.Client.SegmentStream();
        await call.RequestStream.WriteAsync(new SegmentStreamRequest
        {
            Config = new StreamConfig { Policy = StreamPolicy.Latest, Degrade = true, Progressive = true, Options = slow },
        }).DefaultTimeout();
        foreach (var (path, i) in TestPaths.ValFrames(8).Select((p, i) => (p, i)))
        {
            var frame = new Frame { Sequence = (ulong)i, Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(path)) } };
            await call.RequestStream.WriteAsync(new SegmentStreamRequest { Frame = frame }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var answers = new List<SegmentStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            answers.Add(answer);
        }

        var finals = answers.Where(a => a.Stage == ResultStage.Final).ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (ulong)i), finals.Select(a => a.Sequence));
        Assert.All(finals, a => Assert.True(a.Status is FrameStatus.Processed or FrameStatus.Degraded or FrameStatus.DroppedStale, a.ToString()));
        Assert.Contains(finals, a => a.Status == FrameStatus.Degraded); // started while a newer frame waited behind it
        Assert.All(finals.Where(a => a.Status == FrameStatus.Degraded), a => Assert.Equal(0, a.Result.PointsRefined));
        Assert.All(finals.Where(a => a.Status == FrameStatus.Processed), a => Assert.True(a.Result.PointsRefined > 0, a.ToString()));

        // Each coarse answer comes right before its own frame's final answer, which is a refined result.
        var early = answers.Select((a, i) => (a, i)).Where(x => x.a.Stage == ResultStage.Coarse).ToList();
        Assert.NotEmpty(early);
        Assert.All(early, x =>
        {
            Assert.Equal((x.a.Sequence, ResultStage.Final, FrameStatus.Processed), (answers[x.i + 1].Sequence, answers[x.i + 1].Stage, answers[x.i + 1].Status));
            Assert.Equal((0, 960), (x.a.Result.PointsRefined, x.a.Result.Width));
        });
        Assert.Equal((ulong)finals.Count(a => a.Status == FrameStatus.Degraded), answers[^1].State.FramesDegraded);
    }
}
