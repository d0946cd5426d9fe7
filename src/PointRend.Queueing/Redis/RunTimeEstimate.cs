using PointRend.Contracts.V1;

namespace PointRend.Queueing.Redis;

/// <summary>
/// What one run of a job is expected to take on this worker: the median of its own last <see cref="Window"/> run times
/// for the same model, mode and output size (dense cost follows the output pixels), never below <see cref="Floor"/>.
/// </summary>
/// <remarks>
/// The median, not the mean, so one run slowed by a busy neighbour does not refuse the next takeover. A worker with no
/// run of that kind yet has no estimate and reruns: a job is only answered early on evidence that it cannot fit.
/// </remarks>
internal sealed class RunTimeEstimate
{
    /// <summary>Runs remembered per kind.</summary>
    public const int Window = 9;

    /// <summary>Reading the payload and writing the result alone take about this long.</summary>
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(50);

    private readonly Dictionary<(string Model, RenderMode Mode, int Width, int Height), Ring> _runs = [];

    public void Record(SegmentRequest request, TimeSpan elapsed)
    {
        lock (_runs)
        {
            if (!_runs.TryGetValue(Kind(request), out var ring))
            {
                ring = new Ring();
                _runs[Kind(request)] = ring;
            }

            ring.Add(elapsed.TotalMilliseconds);
        }
    }

    /// <summary>The expected run time, or null when this worker has not run this kind of job yet.</summary>
    public TimeSpan? For(SegmentRequest request)
    {
        lock (_runs)
        {
            return _runs.TryGetValue(Kind(request), out var ring)
                ? TimeSpan.FromMilliseconds(Math.Max(ring.Median(), Floor.TotalMilliseconds))
                : null;
        }
    }

    private static (string, RenderMode, int, int) Kind(SegmentRequest request) =>
        (request.Options?.Model ?? string.Empty, request.Options?.Mode ?? RenderMode.Unspecified, request.Options?.OutputWidth ?? 0, request.Options?.OutputHeight ?? 0);

    private sealed class Ring
    {
        private readonly double[] _values = new double[Window];
        private readonly double[] _sorted = new double[Window];
        private int _count;
        private int _next;

        public void Add(double ms)
        {
            _values[_next] = ms;
            _next = (_next + 1) % Window;
            _count = Math.Min(_count + 1, Window);
        }

        public double Median()
        {
            var sorted = _sorted.AsSpan(0, _count);
            _values.AsSpan(0, _count).CopyTo(sorted);
            sorted.Sort();
            return _count % 2 == 1 ? sorted[_count / 2] : (sorted[(_count / 2) - 1] + sorted[_count / 2]) / 2;
        }
    }
}
