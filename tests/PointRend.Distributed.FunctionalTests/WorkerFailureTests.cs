using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>Workers that die or are told to stop; each test starts its own worker processes on the shared gateway.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class WorkerFailureTests(KillableWorkers cluster) : IClassFixture<KillableWorkers>
{
    // Dense at twice the size: long enough per job that a kill lands while one is in progress.
    private static readonly SegmentOptions Slow = new() { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720 };

    private static SegmentRequest Request(string path) => new()
    {
        CorrelationId = Path.GetFileName(path),
        Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(path)) },
        Options = Slow,
    };

    [Fact]
    public async Task KillNineMidBatchEveryRequestStillCompletesOnce()
    {
        var victim = cluster.StartWorker();
        var survivor = cluster.StartWorker();
        await victim.WaitUntilConsumingAsync();
        await survivor.WaitUntilConsumingAsync();
        var frames = TestPaths.ValFrames(6); // distinct images, so the cache answers none of them
        var calls = frames.Select(f => cluster.Gateway.Client.SegmentAsync(Request(f)).ResponseAsync).ToList();

        var inFlight = await cluster.StopHoldingAJobAsync(victim);
        victim.KillHard();

        var responses = await Task.WhenAll(calls).DefaultTimeout();

        Assert.Equal(frames.Select(Path.GetFileName), responses.Select(r => r.CorrelationId));
        Assert.All(responses, r => Assert.Equal(960, r.Width));
        Assert.Contains($"Job {inFlight} reclaimed", survivor.Output); // the kill landed mid-job, and the job was not lost
        Assert.Equal(0, await cluster.Db.StreamLengthAsync(cluster.Keys.Jobs));
        Assert.Empty(await cluster.Db.StreamPendingMessagesAsync(cluster.Keys.Jobs, "workers", 10, RedisValue.Null));
        Assert.Empty(await cluster.Db.StreamRangeAsync(cluster.Keys.DeadLetters));
        Assert.Empty(cluster.Gateway.UnexpectedErrors("HealthCheckEnd")); // NOT_SERVING is logged as an error while no worker lives
        await survivor.DisposeAsync();
    }

    [Fact]
    public async Task SigtermFinishesTheJobInProgressAndExitsCleanly()
    {
        var worker = cluster.StartWorker();
        await worker.WaitUntilConsumingAsync();
        var call = cluster.Gateway.Client.SegmentAsync(Request(TestPaths.ValFrames(8)[7])).ResponseAsync;
        await cluster.WaitForHeldJobAsync(worker);

        // No other worker runs: had the stop abandoned the job, nobody would answer it.
        worker.Terminate();

        var response = await call.DefaultTimeout();
        await worker.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(960, response.Width);
        Assert.Equal(0, worker.ExitCode);
        Assert.Contains("stopped", worker.Output);
    }
}
