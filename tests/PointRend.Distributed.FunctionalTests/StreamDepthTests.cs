using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Queueing.Redis;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// One stream uses every worker process at the default Gateway:StreamPipelineDepth (0 = the live workers' job slots
/// from their presence beats, plus one), and its depth follows the pool when a worker leaves.
/// </summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class StreamDepthTests(KillableWorkersAtDefaults cluster) : IClassFixture<KillableWorkersAtDefaults>
{
    private const string Done = "pointrend_worker_jobs_total{outcome=\"ok\"}";

    [Fact]
    public async Task DefaultDepth_TwoWorkerProcesses_OneStreamServedByBoth_DepthShrinksWhenOneLeaves()
    {
        var slotsEach = new QueueOptions().EffectiveWorkerConcurrency; // what each worker beats at its default
        var first = cluster.StartWorker();
        var second = cluster.StartWorker();
        await first.WaitUntilConsumingAsync();
        await second.WaitUntilConsumingAsync();
        var presence = cluster.Gateway.Services.GetRequiredService<WorkerPresence>();
        await Poll.UntilAsync(() => presence.LiveSlots == 2 * slotsEach);
        var before = await Task.WhenAll(new[] { first, second }.Select(DoneAsync));

        var answers = await StreamAsync(frames: 12);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (ulong)i), answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.True(a.Status == FrameStatus.Processed, $"frame {a.Sequence}: {a.Status} {a.Error}"));
        Assert.All(answers, a => Assert.Equal((2 * slotsEach) + 1, a.State.PipelineDepth));
        Assert.Contains(answers, a => a.State.FramesInFlight > slotsEach); // more than one worker's worth at once
        var after = await Task.WhenAll(new[] { first, second }.Select(DoneAsync));
        Assert.True(after[0] > before[0] && after[1] > before[1], $"jobs done per worker before {string.Join(",", before)}, after {string.Join(",", after)}");

        // SIGTERM: the worker finishes, leaves the presence set at once, and the next stream's depth is one worker's.
        second.Terminate();
        await second.WaitForExitAsync().DefaultTimeout();
        await Poll.UntilAsync(() => presence.LiveSlots == slotsEach);

        var alone = await StreamAsync(frames: 4);

        Assert.Equal(Enumerable.Range(0, 4).Select(i => (ulong)i), alone.Select(a => a.Sequence));
        Assert.All(alone, a => Assert.Equal((FrameStatus.Processed, slotsEach + 1), (a.Status, a.State.PipelineDepth)));
        await first.DisposeAsync();
    }

    private static async Task<double> DoneAsync(WorkerProcess worker) => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(worker.MetricsPort), Done);

    /// <summary>CamVid val frames at the default options, written at once: an ALL stream far faster than the pool.</summary>
    private async Task<List<SegmentStreamResponse>> StreamAsync(int frames)
    {
        using var call = cluster.Gateway.Client.SegmentStream();
        var paths = TestPaths.ValFrames(frames);
        var writing = Task.Run(async () =>
        {
            foreach (var (path, i) in paths.Select((p, i) => (p, i)))
            {
                var frame = new Frame { Sequence = (ulong)i, Image = new Image { Encoded = ByteString.CopyFrom(await File.ReadAllBytesAsync(path)) } };
                await call.RequestStream.WriteAsync(new SegmentStreamRequest { Frame = frame });
            }

            await call.RequestStream.CompleteAsync();
        });
        var answers = new List<SegmentStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            answers.Add(answer);
        }

        await writing.DefaultTimeout();
        return answers;
    }
}
