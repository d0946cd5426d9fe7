using System.Diagnostics;
using Google.Protobuf;
using PointRend.Client;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// One request followed across three processes by its trace id: this test process as the client (its own span), the
/// gateway process, and a worker process the job reaches through a real redis-server. Both services export their
/// spans with their OTLP exporter, configured only by the standard OTEL_* variables, to a collector on loopback.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private const string Prefix = nameof(TracingTests);
    private const string CallerSource = "PointRend.Tests.Caller";
    private static readonly ActivitySource Caller = new(CallerSource);
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == CallerSource,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private OtlpReceiver? _collector;
    private RedisServer? _redis;
    private WorkerProcess? _worker;
    private GatewayProcess? _gateway;

    public async Task InitializeAsync()
    {
        ActivitySource.AddActivityListener(_listener);
        _collector = await OtlpReceiver.StartAsync();
        _redis = await RedisServer.StartNewAsync();
        var otel = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100", // ms between batches, so spans arrive while the test waits
        };
        _worker = WorkerProcess.Start(_redis.Configuration, Prefix, otel);
        _gateway = await GatewayProcess.StartAsync(new Dictionary<string, string>(otel)
        {
            ["Redis__Configuration"] = _redis.Configuration,
            ["Redis__KeyPrefix"] = Prefix,
            ["Cache__Enabled"] = "false",
        });
        await _worker.WaitUntilConsumingAsync();
    }

    [Fact]
    public async Task Segment_CallerInATrace_GatewayAndWorkerSpansShareItsTraceId()
    {
        // Arrange
        using var client = PointRendClient.Create(new PointRendClientOptions { Address = new Uri(_gateway!.Address) });
        var request = new SegmentRequest
        {
            CorrelationId = "traced",
            Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) },
        };

        // Act: the call leaves inside the caller's span, which HttpClient propagates as the traceparent header.
        string traceId;
        using (var span = Caller.StartActivity("caller segments a frame", ActivityKind.Client)!)
        {
            traceId = span.TraceId.ToHexString();
            Assert.Equal(480, (await client.SegmentAsync(request).DefaultTimeout()).Width);
        }

        // Assert: every stage of the request reached the collector under the caller's trace id.
        List<ReceivedSpan> Trace() => _collector!.Spans.Where(s => s.TraceId == traceId).ToList();
        ReceivedSpan? Find(string service, string name) => Trace().FirstOrDefault(s => s.Service == service && s.Name == name);
        string[] workerStages = ["pointrend.jobs wait", "pointrend.jobs process", "pointrend.segment", "pointrend.decode", "pointrend.coarse", "pointrend.refine", "pointrend.encode"];
        try
        {
            await Poll.UntilAsync(() => Find("pointrend-gateway", "pointrend.jobs publish") is not null
                && workerStages.All(stage => Find("pointrend-worker", stage) is not null)
                && Trace().Any(s => s.Service == "pointrend-gateway" && s.Kind == 2));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"spans of trace {traceId}:\n{string.Join("\n", Trace())}\nall:\n{string.Join("\n", _collector!.Spans.Take(40))}\n" +
                $"requests:\n{string.Join("\n", _collector.Requests.Take(10))}\n" +
                $"gateway:\n{_gateway.Output}\nworker:\n{_worker!.Output}", ex);
        }

        // The chain of parents: caller -> gateway server span -> publish -> (wait, process) -> segment -> stages.
        // The server span's parent is the caller's: its own span, or the HTTP request span HttpClient makes under it.
        var server = Assert.Single(Trace(), s => s.Service == "pointrend-gateway" && s.Kind == 2);
        Assert.NotEqual("", server.ParentSpanId);
        Assert.DoesNotContain(_collector!.Spans, s => s.SpanId == server.ParentSpanId); // a span of the caller's process, not exported here
        var publish = Find("pointrend-gateway", "pointrend.jobs publish")!;
        Assert.Equal(4, publish.Kind);
        Assert.Contains(Trace(), s => s.SpanId == publish.ParentSpanId && s.Service == "pointrend-gateway");
        var process = Find("pointrend-worker", "pointrend.jobs process")!;
        Assert.Equal((publish.SpanId, 5), (process.ParentSpanId, process.Kind));
        Assert.Equal(publish.SpanId, Find("pointrend-worker", "pointrend.jobs wait")!.ParentSpanId);
        Assert.Equal(publish.Attributes["messaging.message.id"], process.Attributes["messaging.message.id"]);
        var segment = Find("pointrend-worker", "pointrend.segment")!;
        Assert.Equal(process.SpanId, segment.ParentSpanId);
        Assert.All(workerStages[3..], stage => Assert.Equal(segment.SpanId, Find("pointrend-worker", stage)!.ParentSpanId));
        Assert.True(int.Parse(Find("pointrend-worker", "pointrend.refine")!.Attributes["pointrend.points_refined"], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
    }
}
