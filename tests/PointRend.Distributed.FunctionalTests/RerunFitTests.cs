using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>A worker killed holding a job whose caller has too little time left for a rerun, queue options at their defaults.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class RerunFitTests(KillableWorkersAtDefaults cluster) : IClassFixture<KillableWorkersAtDefaults>
{
    /// <summary>
    /// From the kill until the survivor can take the job over: the victim's last presence beat and its job's idle time
    /// both pass Queue:WorkerLiveness (5 s), plus the time it takes to see the victim holding the job and kill it.
    /// </summary>
    private static readonly TimeSpan KillToDead = TimeSpan.FromSeconds(7);

    // The largest dense output the defaults accept (Inference:MaxOutputPixels): a long run, so the margin between
    // "too little for a rerun" and "more than the answer takes" is wide.
    private static readonly SegmentOptions Slow = new() { Mode = RenderMode.Dense, OutputWidth = 2048, OutputHeight = 2048 };

    [Fact]
    public async Task KillNine_DeadlineTooShortForARerun_CallerAnsweredDeadlineExceededAtTakeoverNotAtTheDeadline()
    {
        await using var survivor = cluster.StartWorker();
        await survivor.WaitUntilConsumingAsync();
        var frames = TestPaths.ValFrames(2);

        // Two frames: the gateway's result cache would answer the same one again without a job.
        // One run on the survivor alone: its estimate of a rerun is that run's time on the worker (at least
        // Timings.total_ms; the caller's round trip is some 50% longer). Whatever of a margin below it the takeover
        // leaves is too little for a rerun, so the margin can be most of it: all of it is the answer's to use.
        var warmUp = await cluster.Gateway.Client.SegmentAsync(Request("warm-up", frames[0]), deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(120));
        var margin = TimeSpan.FromMilliseconds(0.9 * warmUp.Timings.TotalMs);

        await using var victim = cluster.StartWorker();
        await victim.WaitUntilConsumingAsync();

        // Left alone, the survivor would take the job over anywhere in a window of its dead-worker check (once per
        // presence beat) and the victim's beat phase: seconds of spread against a run of a second or two. Stopped
        // until the margin before the deadline, with the victim long dead by then, its overdue poll takes the job
        // over right at SIGCONT, so the caller has the margin left: less than a rerun, more than the answer takes
        // (0.1-0.2 s measured, against a margin of 1 s and more).
        survivor.Pause();
        var deadline = DateTime.UtcNow + KillToDead + margin;
        var resumeAt = deadline - margin;
        Task<SegmentResponse> call;
        try
        {
            call = cluster.Gateway.Client.SegmentAsync(Request("too-late", frames[1]), deadline: deadline).ResponseAsync;
            await cluster.StopHoldingAJobAsync(victim);
            victim.KillHard();

            await QueueHarness.WaitUntilAsync(() => VictimDeadAsync(victim));
            Assert.True(DateTime.UtcNow < resumeAt, $"the victim was seen dead only at {DateTime.UtcNow:O}, after the planned takeover at {resumeAt:O}");
            await Task.Delay(resumeAt - DateTime.UtcNow);
        }
        finally
        {
            survivor.Resume();
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(120)));
        var answeredAt = DateTime.UtcNow;

        // An empty detail is the client's own deadline: no answer came within the margin.
        var timeline = $"margin {margin.TotalMilliseconds:F0} ms, answered {(answeredAt - resumeAt).TotalMilliseconds:F0} ms after SIGCONT; survivor:\n{survivor.Output}";
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(ex.Status.Detail.Contains("died", StringComparison.Ordinal), $"detail '{ex.Status.Detail}'; {timeline}");
        Assert.Matches(@"the remaining \d+ ms of its deadline cannot fit a rerun of ~\d+ ms", ex.Status.Detail);
        Assert.True(answeredAt < deadline, $"answered at {answeredAt:O}, deadline {deadline:O}: {ex.Status.Detail}; {timeline}");
        Assert.Contains("reclaimed from dead worker", survivor.Output, StringComparison.Ordinal);
        Assert.Empty(await cluster.Db.StreamRangeAsync(cluster.Keys.DeadLetters));
    }

    /// <summary>What the survivor's dead-worker check needs: no presence beat and no touch of the job for WorkerLiveness.</summary>
    private async Task<bool> VictimDeadAsync(WorkerProcess victim)
    {
        var liveness = new QueueOptions().WorkerLiveness;
        var beats = await cluster.Db.SortedSetRangeByRankWithScoresAsync(cluster.Keys.Workers);
        var lastBeat = beats.Where(b => b.Element.ToString().Contains(victim.ConsumerPrefix, StringComparison.Ordinal)).Select(b => b.Score).DefaultIfEmpty(0).Max();
        var held = (await cluster.Db.StreamPendingMessagesAsync(cluster.Keys.Jobs, "workers", 10, RedisValue.Null))
            .Where(p => p.ConsumerName.ToString().StartsWith(victim.ConsumerPrefix, StringComparison.Ordinal));
        return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - lastBeat > liveness.TotalMilliseconds
            && held.All(p => p.IdleTimeInMilliseconds > liveness.TotalMilliseconds);
    }

    private static SegmentRequest Request(string id, string frame) => new()
    {
        CorrelationId = id,
        Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(frame)) },
        Options = Slow,
    };
}
