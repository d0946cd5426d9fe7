using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Queueing.InProcess;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// One stream uses the whole embedded pool at the default Gateway:StreamPipelineDepth (0 = the pool's workers + 1):
/// frames of one ALL stream run on every worker at once, answers still leave in input order.
/// </summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class StreamDepthTests
{
    [Fact]
    public async Task DefaultDepth_ThreeWorkers_OneStreamRunsThreeFramesAtOnce_AnswersInOrder()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "3",
            ["Cache:Enabled"] = "false",
        });

        var (answers, mostInPool) = await SendAndWatchPoolAsync(server, frames: 8);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (ulong)i), answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.True(a.Status == FrameStatus.Processed, $"frame {a.Sequence}: {a.Status} {a.Error}"));
        Assert.All(answers, a => Assert.Equal(4, a.State.PipelineDepth)); // three workers + one ready for the next free one
        // Three workers busy with this one stream at once. Fair sharing gives one caller a slot per worker; the pool
        // counts a job until its worker thread is done with it, just after the answer that frees the slot, so a
        // fourth (the depth's extra frame) can be seen for that moment.
        Assert.InRange(mostInPool, 3, 4);
        Assert.Contains(answers, a => a.State.FramesInFlight >= 3);
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task DefaultDepth_MorePoolThanTheMaximum_CappedByStreamMaxPipelineDepth()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "6",
            ["Gateway:StreamMaxPipelineDepth"] = "3",
            ["Cache:Enabled"] = "false",
        });

        var (answers, mostInPool) = await SendAndWatchPoolAsync(server, frames: 6);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => (ulong)i), answers.Select(a => a.Sequence));
        Assert.All(answers, a => Assert.Equal((FrameStatus.Processed, 3), (a.Status, a.State.PipelineDepth)));
        // Capped at 3 (six workers uncapped would take up to 6 of the 6 frames); as above, a job still counted for the
        // moment after its answer freed the slot lets the next frame show as a fourth.
        Assert.InRange(mostInPool, 1, 4);
        server.AssertNoUnexpectedErrors();
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("40")]
    public async Task DepthOutsideZeroToTheMaximum_StartFailsNamingTheKey(string depth)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:StreamPipelineDepth"] = depth,
        }));

        Assert.Contains("Gateway:StreamPipelineDepth", ex.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes every frame at once (a sender far faster than the pool) and samples the pool while answers come. PointRend
    /// mode at 960x720: long enough for frames to overlap, short enough for the default deadline on a loaded machine.
    /// </summary>
    private static async Task<(List<SegmentStreamResponse> Answers, int MostInPool)> SendAndWatchPoolAsync(GatewayServer server, int frames)
    {
        var pool = server.Services.GetRequiredService<InProcessJobRunner>();
        using var call = server.Client.SegmentStream();
        var writing = Task.Run(async () =>
        {
            foreach (var (frame, i) in TestImages.DistinctSlow(frames, RenderMode.Pointrend).Select((f, i) => (f, i)))
            {
                await call.RequestStream.WriteAsync(TestImages.Frame(frame, (ulong)i));
            }

            await call.RequestStream.CompleteAsync();
        });
        var reading = StreamCalls.ReadAllAsync(call);
        var most = 0;
        var watching = System.Diagnostics.Stopwatch.StartNew();
        while (!reading.IsCompleted && watching.Elapsed < PointRend.Testing.TaskExtensions.DefaultTimeoutSpan)
        {
            most = Math.Max(most, pool.Count);
            await Task.Delay(5);
        }

        await writing.DefaultTimeout();
        return (await reading.DefaultTimeout(), most);
    }
}
