using System.Diagnostics;
using System.Globalization;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Video;

/// <summary>What a live client sees on one or more streams: frames in and out per second, latency from capture to
/// result, and every frame that did not get the full result.</summary>
internal sealed class StreamStats
{
    private readonly object _gate = new();
    private readonly List<double> _latencies = [];
    private readonly List<double> _early = [];
    private readonly long _start = Stopwatch.GetTimestamp();
    private int _sent;
    private int _processed;
    private int _degraded;
    private int _stale;
    private int _overflow;
    private int _failed;

    public void Sent() => Interlocked.Increment(ref _sent);

    /// <summary>A progressive stream's coarse answer, ahead of the frame's final one.</summary>
    public void Early(double latencyMs)
    {
        lock (_gate)
        {
            _early.Add(latencyMs);
        }
    }

    public void Answered(FrameStatus status, double latencyMs)
    {
        lock (_gate)
        {
            switch (status)
            {
                case FrameStatus.Processed:
                    _processed++;
                    _latencies.Add(latencyMs);
                    break;
                case FrameStatus.Degraded:
                    _degraded++;
                    _latencies.Add(latencyMs);
                    break;
                case FrameStatus.DroppedStale:
                    _stale++;
                    break;
                case FrameStatus.DroppedOverflow:
                    _overflow++;
                    break;
                default:
                    _failed++;
                    break;
            }
        }
    }

    public string Line()
    {
        lock (_gate)
        {
            var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            var results = _processed + _degraded;
            var early = _early.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture,
                $"; coarse first: {_early.Count} frames, p50 {Percentile(_early, 0.5):F0} ms, p99 {Percentile(_early, 0.99):F0} ms");
            return string.Create(CultureInfo.InvariantCulture,
                $"{_sent} frames in {seconds:F1} s: in {_sent / seconds:F1} fps, out {results / seconds:F1} fps; " +
                $"latency capture->result p50 {Percentile(_latencies, 0.5):F0} ms, p99 {Percentile(_latencies, 0.99):F0} ms; processed {_processed}, degraded {_degraded}, " +
                $"dropped {_stale + _overflow} (stale {_stale}, overflow {_overflow}), failed {_failed}") + early;
        }
    }

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }
}
