using System.Collections.Concurrent;
using PointRend.Contracts.V1;
using Prometheus;

namespace PointRend.Queueing;

/// <summary>Prometheus metrics of the queue, the workers and the cache; names are the dashboard's contract, keep them stable.</summary>
public static class QueueMetrics
{
    private static readonly double[] Seconds = Histogram.ExponentialBuckets(0.001, 2, 16); // 1 ms .. 33 s
    private static readonly ConcurrentDictionary<object, Func<CancellationToken, Task>> Samplers = new();

    static QueueMetrics()
    {
        // prometheus-net cannot remove a callback, so one callback runs whichever samplers are alive now.
        Metrics.DefaultRegistry.AddBeforeCollectCallback(ct => Task.WhenAll(Samplers.Values.Select(s => s(ct))));
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

    public static readonly Counter Enqueued = Metrics.CreateCounter(
        "pointrend_queue_enqueued_total", "Jobs queued by this gateway (Redis stream, or the in-process pool when embedded).");

    public static readonly Counter Refused = Metrics.CreateCounter(
        "pointrend_queue_refused_total", "Jobs refused before queueing.", "reason"); // full | unavailable

    public static readonly Histogram RoundTrip = Metrics.CreateHistogram(
        "pointrend_queue_roundtrip_seconds", "Enqueue to result read at the gateway (queue wait + work + the Redis hops).",
        new HistogramConfiguration { Buckets = Seconds });

    public static readonly Gauge Length = Metrics.CreateGauge(
        "pointrend_queue_length", "Jobs waiting or running: XLEN of the job stream read at scrape time, or the in-process pool's count when embedded.");

    public static readonly Gauge Pending = Metrics.CreateGauge(
        "pointrend_queue_pending", "Jobs delivered to a worker and not yet acknowledged, read at scrape time.");

    public static readonly Counter Processed = Metrics.CreateCounter(
        "pointrend_worker_jobs_total", "Jobs finished by this worker (the embedded gateway is its own).", "outcome"); // ok | rejected | failed | deadline | expired | withdrawn | given_up | no_time_for_rerun

    public static readonly Counter Reclaimed = Metrics.CreateCounter(
        "pointrend_worker_reclaimed_total", "Jobs this worker took over from a dead or frozen one (retries).");

    public static readonly Counter DeadLetters = Metrics.CreateCounter(
        "pointrend_worker_dead_letters_total", "Jobs this worker moved to the dead-letter stream.", "kind");

    public static readonly Histogram ModelTime = Metrics.CreateHistogram(
        "pointrend_worker_model_seconds", "ISegmentProcessor.Process time per job (decode, model, refinement, encode).",
        new HistogramConfiguration { Buckets = Seconds });

    public static readonly Counter Instances = Metrics.CreateCounter(
        "pointrend_worker_instances_total", "Detections returned by instance models' jobs on this worker, by model.", "model");

    /// <summary>Counts an instance model's detections; nothing for semantic results (they have none).</summary>
    public static void CountInstances(SegmentResponse response)
    {
        if (response.Instances.Count > 0)
        {
            Instances.WithLabels(response.Model).Inc(response.Instances.Count);
        }
    }

    public static readonly Counter Cache = Metrics.CreateCounter(
        "pointrend_cache_requests_total", "Result cache look-ups.", "result"); // hit | miss

    public static readonly Counter Tiles = Metrics.CreateCounter(
        "pointrend_tiles_total", "Tiles cut from large images and run as jobs.");
}
