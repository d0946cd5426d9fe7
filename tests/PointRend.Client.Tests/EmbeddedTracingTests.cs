using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Client.Tests;

/// <summary>
/// In embedded mode a job runs on one of the pool's dedicated threads, which inherit no caller context: the job
/// carries the caller's trace there, so the pipeline's spans join the request's trace as in distributed mode.
/// </summary>
public sealed class EmbeddedTracingTests(ClientFixture fixture) : IClassFixture<ClientFixture>, IDisposable
{
    private const string CallerSource = "PointRend.Client.Tests.Caller";
    private static readonly ActivitySource Caller = new(CallerSource);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is CallerSource or PointRendClient.ActivitySourceName or "PointRend.Queueing" or "PointRend.Inference" or "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task SegmentAsync_EmbeddedGateway_PipelineSpansOnTheWorkerThreadShareTheClientsTrace()
    {
        _listener.ActivityStopped = _stopped.Enqueue;
        ActivitySource.AddActivityListener(_listener);
        using var services = fixture.Services(new TestLogSink());
        var client = services.GetRequiredService<PointRendClient>();

        ActivityTraceId traceId;
        using (var caller = Caller.StartActivity("caller")!)
        {
            traceId = caller.TraceId;
            await client.SegmentAsync(Requests.Segment(new SegmentOptions { OutputWidth = 240, OutputHeight = 180 }, "embedded-trace")).DefaultTimeout();
        }

        // Other tests' calls run meanwhile: this call's spans are those of the caller's trace.
        var trace = _stopped.Where(a => a.TraceId == traceId).ToList();
        Assert.Single(trace, a => a.Source.Name == PointRendClient.ActivitySourceName && a.Kind == ActivityKind.Client);
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server);
        var job = Assert.Single(trace, a => a.OperationName == "pointrend.jobs process");
        var segment = Assert.Single(trace, a => a.OperationName == "pointrend.segment");
        Assert.Equal(job.SpanId, segment.ParentSpanId);
        Assert.All(new[] { "pointrend.decode", "pointrend.coarse", "pointrend.refine", "pointrend.encode" },
            stage => Assert.Equal(segment.SpanId, Assert.Single(trace, a => a.OperationName == stage).ParentSpanId));
    }

    public void Dispose() => _listener.Dispose();
}
