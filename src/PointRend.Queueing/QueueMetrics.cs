using System.Collections.Concurrent;
using PointRend.Contracts.V1;
using PointRend.Queueing.Metrics;
using Prometheus;

namespace PointRend.Queueing;

/// <summary>
/// Metrics of the gateway, the queue, the workers and the cache, through <see cref="PointRendMeter"/> (OpenTelemetry)
/// and prometheus-net at once; the Prometheus names and labels are the dashboards' contract, keep them stable.
/// </summary>
public static class QueueMetrics
{
    private static readonly double[] Seconds = Histogram.ExponentialBuckets(0.001, 2, 16); // 1 ms .. 33 s
    private static readonly ConcurrentDictionary<object, Func<CancellationToken, Task>> Samplers = new();

    static QueueMetrics()
    {
        // prometheus-net cannot remove a callback, so one callback runs whichever samplers are alive now.
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(ct => Task.WhenAll(Samplers.Values.Select(s => s(ct))));

        // Applied when the default registry is first collected; the collectors below already publish this meter.
        Prometheus.Metrics.ConfigureMeterAdapter(adapter => adapter.InstrumentFilterPredicate = i => i.Meter.Name != PointRendMeter.Name);
    }

    /// <summary>Runs <paramref name="sample"/> before each scrape until the returned handle is disposed.</summary>
    public static IDisposable SampleBeforeScrape(Func<CancellationToken, Task> sample)
    {
        var handle = new SamplerHandle();
        Samplers[handle] = sample;
        return handle;
    }

    private sealed class SamplerHandle : IDisposable
    {
        public void Dispose() => Samplers.TryRemove(this, out _);
    }

    public static readonly CountMetric Enqueued = new(
        "pointrend.queue.enqueued", "{job}", "pointrend_queue_enqueued_total", "Jobs queued by this gateway (Redis stream, or the in-process pool when embedded).");

    public static readonly CountMetric Refused = new(
        "pointrend.queue.refused", "{job}", "pointrend_queue_refused_total", "Jobs refused before queueing.", "reason"); // full | unavailable | no_workers

    public static readonly SecondsMetric RoundTrip = new(
        "pointrend.queue.roundtrip", "pointrend_queue_roundtrip_seconds", "Enqueue to result read at the gateway (queue wait + work + the Redis hops).", Seconds);

    public static readonly GaugeMetric Length = new(
        "pointrend.queue.length", "{job}", "pointrend_queue_length",
        "Jobs waiting or running: XLEN of the job stream read at scrape time, or the in-process pool's count when embedded.", RefreshSamples);

    public static readonly GaugeMetric Pending = new(
        "pointrend.queue.pending", "{job}", "pointrend_queue_pending", "Jobs delivered to a worker and not yet acknowledged, read at scrape time.", RefreshSamples);

    public static readonly CountMetric Processed = new(
        "pointrend.worker.jobs", "{job}", "pointrend_worker_jobs_total", "Jobs finished by this worker (the embedded gateway is its own).", "outcome"); // ok | rejected | failed | deadline | expired | withdrawn | given_up | no_time_for_rerun

    public static readonly CountMetric Reclaimed = new(
        "pointrend.worker.reclaimed", "{job}", "pointrend_worker_reclaimed_total", "Jobs this worker took over from a dead or frozen one (retries).");

    public static readonly CountMetric DeadLetters = new(
        "pointrend.worker.dead_letters", "{job}", "pointrend_worker_dead_letters_total", "Jobs this worker moved to the dead-letter stream.", "kind");

    public static readonly SecondsMetric ModelTime = new(
        "pointrend.worker.model", "pointrend_worker_model_seconds", "ISegmentProcessor.Process time per job (decode, model, refinement, encode).", Seconds);

    public static readonly CountMetric Instances = new(
        "pointrend.worker.instances", "{instance}", "pointrend_worker_instances_total", "Detections returned by instance models' jobs on this worker, by model.", "model");

    /// <summary>Counts an instance model's detections; nothing for semantic results (they have none).</summary>
    public static void CountInstances(SegmentResponse response)
    {
        if (response.Instances.Count > 0)
        {
            Instances.WithLabels(response.Model).Inc(response.Instances.Count);
        }
    }

    public static readonly CountMetric Cache = new(
        "pointrend.cache.requests", "{request}", "pointrend_cache_requests_total", "Result cache look-ups.", "result"); // hit | miss

    public static readonly CountMetric Tiles = new(
        "pointrend.tiles", "{tile}", "pointrend_tiles_total", "Tiles cut from large images and run as jobs.");

    /// <summary>SegmentationService calls answered by this gateway, refused ones included, by method and gRPC status.</summary>
    public static readonly CountMetric GatewayRequests = new(
        "pointrend.gateway.requests", "{request}", "pointrend_gateway_requests_total", "SegmentationService calls answered by this gateway, by method and gRPC status.",
        "method", "code");

    /// <summary>Call time at the gateway, from the first byte read to the last written (a SegmentStream: the whole stream).</summary>
    public static readonly SecondsMetric GatewayRequestTime = new(
        "pointrend.gateway.request.duration", "pointrend_gateway_request_duration_seconds",
        "SegmentationService call time at the gateway (a SegmentStream counts once, for as long as it is open), by method.", Seconds, "method");

    /// <summary>Touches the class, so the collectors exist and prometheus-net's Meter adapter skips PointRend's meter before the first scrape.</summary>
    public static void Register()
    {
    }

    private static long _lastRefresh;

    /// <summary>
    /// For OpenTelemetry's collection of the gauges: the samplers Prometheus runs before a scrape, at most once a second
    /// (both gauges ask), with a bound on how long a slow Redis holds the exporter's thread.
    /// </summary>
    private static void RefreshSamples()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefresh);
        if (now - last < 1000 || Interlocked.CompareExchange(ref _lastRefresh, now, last) != last || Samplers.IsEmpty)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            Task.WhenAll(Samplers.Values.Select(s => s(timeout.Token))).Wait(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AggregateException)
        {
            // the last sampled value is reported, as a failed Prometheus scrape would leave it
        }
    }
}
