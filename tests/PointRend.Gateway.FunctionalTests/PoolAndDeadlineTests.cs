using Grpc.Core;
using PointRend.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Queueing.InProcess;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

[Collection(DefaultTimingCollection.Name)]
public sealed class PoolAndDeadlineTests
{
    [Fact]
    public async Task Segment_QueueFull_ResourceExhaustedAtOnceThenServesAgain()
    {
        // Arrange: one worker, one waiting slot; the rest of a burst must be refused, not queued.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "1",
            ["WorkerPool:QueueCapacity"] = "1",
            ["Cache:Enabled"] = "false",
        });

        // Act: distinct slow requests, so nothing can be shared between them.
        var calls = TestImages.DistinctSlow(6).Select(slow => server.Client.SegmentAsync(slow).ResponseAsync).ToList();
        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c;
                return (StatusCode.OK, "");
            }
            catch (RpcException ex)
            {
                return (ex.StatusCode, ex.Status.Detail);
            }
        })).DefaultTimeout();

        // Assert
        var refused = outcomes.Where(o => o.Item1 == StatusCode.ResourceExhausted).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, o => Assert.Contains("WorkerPool:QueueCapacity", o.Item2, StringComparison.Ordinal));
        Assert.Contains(outcomes, o => o.Item1 == StatusCode.OK);
        Assert.All(outcomes, o => Assert.True(o.Item1 is StatusCode.OK or StatusCode.ResourceExhausted, o.ToString()));
        var after = await server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse })).ResponseAsync.DefaultTimeout();
        Assert.Equal(480, after.Width);
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Stop_WhileJobsWaitInThePool_FinishesEveryAcceptedJob()
    {
        // Arrange: one worker, so most of the burst is still waiting when the server is told to stop.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "1",
            ["Cache:Enabled"] = "false",
        });
        var pool = server.Services.GetRequiredService<InProcessJobRunner>();
        var calls = TestImages.DistinctSlow(4, RenderMode.Pointrend).Select(request => server.Client.SegmentAsync(request).ResponseAsync).ToList();
        await Poll.UntilAsync(() => pool.Count + calls.Count(c => c.IsCompleted) == calls.Count); // all accepted (a slow machine may finish some)

        // Act: the graceful stop Kubernetes triggers with SIGTERM.
        var stopping = server.StopAsync();
        var responses = await Task.WhenAll(calls).DefaultTimeout();
        await stopping.DefaultTimeout();

        // Assert: accepted means answered, not dropped with UNAVAILABLE.
        Assert.All(responses, r => Assert.Equal(720, r.Height));
        Assert.Equal([960, 961, 962, 963], responses.Select(r => r.Width));
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Start_WithWarmupFrames_RunsThemThroughEachModelBeforeServing()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Inference:WarmupFrames"] = "2" });

        // Warm-up happens inside start-up, so its line is there before any request could be.
        var warmed = server.Logs.Entries.Where(e => e.EventId.Name == "WarmedUp").Select(e => e.Message).ToList();
        Assert.Equal(2, warmed.Count);
        Assert.Contains(warmed, m => m.Contains("camvid with 2 synthetic frames", StringComparison.Ordinal));
        Assert.Contains(warmed, m => m.Contains("pennfudan with 2 synthetic frames", StringComparison.Ordinal));
        var response = await server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng)).ResponseAsync.DefaultTimeout();
        Assert.Equal(480, response.Width);
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Segment_NoClientDeadline_GatewayDefaultDeadlineApplies()
    {
        // More busy workers than cores: inference that held thread-pool threads would starve the deadline timers,
        // and the slow requests would come back OK long after their deadline instead.
        const int workers = 8;
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:DefaultDeadline"] = "00:00:00.100",
            ["WorkerPool:Workers"] = $"{workers}",
            ["Cache:Enabled"] = "false",
        });

        var calls = TestImages.DistinctSlow(workers)
            .Select(slow => Assert.ThrowsAsync<RpcException>(() => server.Client.SegmentAsync(slow).ResponseAsync))
            .ToList();
        var errors = await Task.WhenAll(calls).DefaultTimeout();

        Assert.All(errors, ex => Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode));
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task SegmentStream_ManyFramesSentAtOnce_AtMostPipelineDepthInTheQueue()
    {
        // More workers than the depth, so only the stream's own bound can hold frames back.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:StreamPipelineDepth"] = "2",
            ["WorkerPool:Workers"] = "6",
            ["Cache:Enabled"] = "false",
        });
        var pool = server.Services.GetRequiredService<InProcessJobRunner>();
        using var call = server.Client.SegmentStream();
        var frames = TestImages.DistinctSlow(6).ToList();
        foreach (var (frame, i) in frames.Select((f, i) => (f, i)))
        {
            await call.RequestStream.WriteAsync(TestImages.Frame(frame, (ulong)i)).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var most = 0;
        var answered = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var answer in call.ResponseStream.ReadAllAsync())
            {
                Assert.True(answer.Status == FrameStatus.Processed, $"frame {answer.Sequence}: {answer.Status} {answer.Error}");
                Interlocked.Increment(ref answered);
            }
        });
        while (!reading.IsCompleted)
        {
            most = Math.Max(most, pool.Count);
            await Task.Delay(5);
        }

        await reading.DefaultTimeout();
        Assert.Equal(6, answered);
        Assert.InRange(most, 1, 2);
    }
}
