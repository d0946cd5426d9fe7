using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>A worker killed mid-job with every queue option at its default, as a pod lost on a node would be.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class WorkerDeathAtDefaultsTests(KillableWorkersAtDefaults cluster) : IClassFixture<KillableWorkersAtDefaults>
{
    [Fact]
    public async Task KillNineAtDefaultSettings_EveryCallerAnsweredOkWithinTheDefaultDeadline()
    {
        var victim = cluster.StartWorker();
        var survivor = cluster.StartWorker();
        await victim.WaitUntilConsumingAsync();
        await survivor.WaitUntilConsumingAsync();
        var slow = new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720 };
        var frames = TestPaths.ValFrames(4).Select(f => new SegmentRequest
        {
            CorrelationId = Path.GetFileName(f),
            Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(f)) },
            Options = slow,
        }).ToList();

        // No client deadline: the gateway's default (30 s) applies, which equals the default Queue:ClaimIdle. Only a
        // takeover faster than ClaimIdle can answer the dead worker's job in time.
        var calls = frames.Select(f => cluster.Gateway.Client.SegmentAsync(f).ResponseAsync).ToList();
        await cluster.StopHoldingAJobAsync(victim); // so the kill lands mid-job, however fast a job has become
        victim.KillHard();

        var responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(frames.Select(f => f.CorrelationId), responses.Select(r => r.CorrelationId));
        Assert.All(responses, r => Assert.Equal(960, r.Width));
        Assert.Contains("reclaimed from dead worker", survivor.Output, StringComparison.Ordinal);
        Assert.Empty(await cluster.Db.StreamRangeAsync(cluster.Keys.DeadLetters));
        await survivor.DisposeAsync();
    }
}
