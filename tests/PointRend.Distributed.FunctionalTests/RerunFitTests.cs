using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>A worker killed holding a job whose caller has too little time left for a rerun, queue options at their defaults.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class RerunFitTests(KillableWorkersAtDefaults cluster) : IClassFixture<KillableWorkersAtDefaults>
{
    /// <summary>Upper bound of a takeover after a kill: WorkerLiveness (5 s) after the last beat, plus the survivor's next look.</summary>
    private static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(5.5);

    // The largest dense output the defaults accept (Inference:MaxOutputPixels): the takeover lands anywhere in the
    // last 1.25 s before TakeoverBound (a beat is WorkerLiveness / 5, the survivor polls every 250 ms), so a run must
    // be well over 2.25 s for a third of it plus that spread to stay under one run; faster sampling took 1920x1440 to
    // about 1.5-2 s on 2 cores.
    private static readonly SegmentOptions Slow = new() { Mode = RenderMode.Dense, OutputWidth = 2048, OutputHeight = 2048 };

    [Fact]
    public async Task KillNine_DeadlineTooShortForARerun_CallerAnsweredDeadlineExceededAtTakeoverNotAtTheDeadline()
    {
        // The survivor looks for dead workers' jobs often, so the takeover time spreads less than a third of one run.
        await using var survivor = cluster.StartWorker(new Dictionary<string, string> { ["Queue:SafetyPoll"] = "00:00:00.250" });
        await survivor.WaitUntilConsumingAsync();
        var frames = TestPaths.ValFrames(2);

        // Two frames: the gateway's result cache would answer the same one again without a job.
        // One run on the survivor alone: its own estimate of such a job, and the run time the deadline is built from.
        var clock = Stopwatch.StartNew();
        await cluster.Gateway.Client.SegmentAsync(Request("warm-up", frames[0]), deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(120));
        var run = clock.Elapsed;

        await using var victim = cluster.StartWorker();
        await victim.WaitUntilConsumingAsync();

        // Deadline = the kill (half a run in) + the latest takeover + a third of a run: at the takeover between a
        // third of a run and a third plus the takeover's spread is left, less than the survivor's one run.
        var deadline = DateTime.UtcNow + (run / 2) + TakeoverBound + (run / 3);
        survivor.Pause(); // only the victim may take the job
        Task<SegmentResponse> call;
        try
        {
            call = cluster.Gateway.Client.SegmentAsync(Request("too-late", frames[1]), deadline: deadline).ResponseAsync;
            await QueueHarness.WaitUntilAsync(async () =>
                (await cluster.Db.StreamPendingMessagesAsync(cluster.Keys.Jobs, "workers", 10, RedisValue.Null))
                .Any(p => p.ConsumerName.ToString().StartsWith(victim.ConsumerPrefix, StringComparison.Ordinal)));
        }
        finally
        {
            survivor.Resume();
        }

        var killAt = deadline - TakeoverBound - (run / 3);
        if (killAt > DateTime.UtcNow)
        {
            await Task.Delay(killAt - DateTime.UtcNow);
        }

        victim.KillHard();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(120)));
        var answeredAt = DateTime.UtcNow;

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains("died", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Matches(@"the remaining \d+ ms of its deadline cannot fit a rerun of ~\d+ ms", ex.Status.Detail);
        Assert.True(answeredAt < deadline, $"answered at {answeredAt:O}, deadline {deadline:O}: {ex.Status.Detail}");
        Assert.Contains("reclaimed from dead worker", survivor.Output, StringComparison.Ordinal);
        Assert.Empty(await cluster.Db.StreamRangeAsync(cluster.Keys.DeadLetters));
    }

    private static SegmentRequest Request(string id, string frame) => new()
    {
        CorrelationId = id,
        Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(frame)) },
        Options = Slow,
    };
}
