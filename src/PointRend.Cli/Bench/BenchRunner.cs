using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Bench;

public sealed record BenchCase(RenderMode Mode, int Scale, int Concurrency);

public sealed record BenchRow(BenchCase Case, int Requests, double P50Ms, double P99Ms, double MeanMs, double ImagesPerSecond,
    double CoarseMs, double RefineMs, double PointsPerImage, double PixelsPerImage);

/// <summary>Times a set of cases over the same images, each after one warm-up request, so the rows compare.</summary>
public static class BenchRunner
{
    public static async Task<BenchRow> RunAsync(ISegmentBackend backend, IReadOnlyList<(string Name, byte[] Bytes, int Width, int Height)> images,
        BenchCase benchCase, SegmentOptions baseOptions, int repeat, CancellationToken ct)
    {
        var requests = new List<SegmentRequest>();
        for (var r = 0; r < repeat; r++)
        {
            foreach (var image in images)
            {
                var options = baseOptions.Clone();
                options.Mode = benchCase.Mode;
                options.OutputWidth = image.Width * benchCase.Scale;
                options.OutputHeight = image.Height * benchCase.Scale;
                options.Outputs = new OutputSelection { ClassRaw = true };
                requests.Add(new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(image.Bytes) }, Options = options });
            }
        }

        await backend.SegmentAsync(requests[0], ct);
        var latencies = new ConcurrentBag<double>();
        var responses = new ConcurrentBag<SegmentResponse>();
        var queue = new ConcurrentQueue<SegmentRequest>(requests);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, benchCase.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var request))
            {
                var t = Stopwatch.GetTimestamp();
                responses.Add(await backend.SegmentAsync(request, ct));
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }, ct));
        await Task.WhenAll(workers);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return new BenchRow(benchCase, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Average(),
            sorted.Length / wall,
            responses.Average(r => r.Timings?.CoarseMs ?? 0), responses.Average(r => r.Timings?.RefineMs ?? 0),
            responses.Average(r => (double)r.PointsRefined), responses.Average(r => (double)r.Width * r.Height));
    }

    private static double Percentile(double[] sorted, double q)
    {
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
