using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PointRend.Queueing.Metrics;

/// <summary>
/// PointRend's <see cref="Meter"/>: OpenTelemetry exports its instruments (OTLP, when configured). Each metric below is
/// recorded once and lands in two places: the instrument, and the prometheus-net collector whose name, labels and
/// buckets the dashboards already use. prometheus-net's own Meter adapter is told to skip this meter
/// (<see cref="QueueMetrics"/>), so /metrics does not show everything twice under adapter-made names.
/// </summary>
/// <remarks>
/// Instrument names are the Prometheus names the way an OpenTelemetry Collector's Prometheus exporter writes them back:
/// <c>pointrend.queue.roundtrip</c> with unit <c>s</c> becomes <c>pointrend_queue_roundtrip_seconds</c>, a counter
/// <c>pointrend.queue.enqueued</c> becomes <c>pointrend_queue_enqueued_total</c>. Attributes carry the label names.
/// </remarks>
public static class PointRendMeter
{
    public const string Name = "PointRend";

    internal static readonly Meter Meter = new(Name);
}

/// <summary>A counter: <see cref="Counter{T}"/> and a prometheus-net counter, with the same label names.</summary>
public sealed class CountMetric
{
    private readonly Prometheus.Counter _prometheus;
    private readonly Counter<long> _instrument;
    private readonly string[] _labels;

    internal CountMetric(string instrument, string unit, string prometheusName, string help, params string[] labels)
    {
        _labels = labels;
        _prometheus = Prometheus.Metrics.CreateCounter(prometheusName, help, labels);
        _instrument = PointRendMeter.Meter.CreateCounter<long>(instrument, unit, help);
    }

    public void Inc(long by = 1)
    {
        _prometheus.Inc(by);
        _instrument.Add(by);
    }

    /// <summary>Values in the order of the label names given at creation.</summary>
    public Labelled WithLabels(params string[] values) => new(this, values);

    /// <summary>The value Prometheus would show for these label values (tests, samplers).</summary>
    public double Value(params string[] values) => values.Length == 0 ? _prometheus.Value : _prometheus.WithLabels(values).Value;

    public readonly struct Labelled(CountMetric metric, string[] values)
    {
        public void Inc(long by = 1)
        {
            metric._prometheus.WithLabels(values).Inc(by);
            metric._instrument.Add(by, Tags(metric._labels, values));
        }
    }

    internal static TagList Tags(string[] names, string[] values)
    {
        var tags = new TagList();
        for (var i = 0; i < names.Length; i++)
        {
            tags.Add(names[i], values[i]);
        }

        return tags;
    }
}

/// <summary>Durations in seconds: <see cref="Histogram{T}"/> (with the same bucket bounds) and a prometheus-net histogram.</summary>
public sealed class SecondsMetric
{
    private readonly Prometheus.Histogram _prometheus;
    private readonly Histogram<double> _instrument;
    private readonly string[] _labels;

    internal SecondsMetric(string instrument, string prometheusName, string help, double[] buckets, params string[] labels)
    {
        _labels = labels;
        _prometheus = Prometheus.Metrics.CreateHistogram(prometheusName, help, labels, new Prometheus.HistogramConfiguration { Buckets = buckets });
        _instrument = PointRendMeter.Meter.CreateHistogram(instrument, "s", help, tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
    }

    public void Observe(double seconds, params string[] values)
    {
        (values.Length == 0 ? _prometheus : (Prometheus.IHistogram)_prometheus.WithLabels(values)).Observe(seconds);
        _instrument.Record(seconds, CountMetric.Tags(_labels, values));
    }

    /// <summary>Observes the time until disposed (unlabelled metrics only).</summary>
    public Timer NewTimer() => new(this, Stopwatch.GetTimestamp());

    public readonly struct Timer(SecondsMetric metric, long started) : IDisposable
    {
        public void Dispose() => metric.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}

/// <summary>
/// A value set at times (queue length): the prometheus-net gauge holds it, an <see cref="ObservableGauge{T}"/> reads it
/// whenever OpenTelemetry collects, after running <paramref name="refresh"/> (the samplers that Prometheus runs before
/// each scrape).
/// </summary>
public sealed class GaugeMetric
{
    private readonly Prometheus.Gauge _prometheus;

    internal GaugeMetric(string instrument, string unit, string prometheusName, string help, Action refresh)
    {
        _prometheus = Prometheus.Metrics.CreateGauge(prometheusName, help);
        PointRendMeter.Meter.CreateObservableGauge(instrument, () =>
        {
            refresh();
            return _prometheus.Value;
        }, unit, help);
    }

    public double Value => _prometheus.Value;

    public void Inc() => _prometheus.Inc();

    public void Dec() => _prometheus.Dec();

    public void Set(double value) => _prometheus.Set(value);
}
