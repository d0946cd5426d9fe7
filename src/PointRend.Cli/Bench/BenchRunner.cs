using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Bench;

/// <param name="Stream">Over SegmentStream (Concurrency streams, frames in order on each) instead of unary calls.</param>
/// <param name="Fps">With Stream: frames per second per stream, as a camera sends them; 0 = as fast as accepted.</param>
public sealed record BenchCase(RenderMode Mode, int Scale, int Concurrency, bool Stream = false, double Fps = 0);

public sealed record BenchRow(BenchCase Case, int Requests, double P50Ms, double P99Ms, double MeanMs, double ImagesPerSecond,
    double CoarseMs, double RefineMs, double PointsPerImage, double PixelsPerImage);

/// <summary>Times a set of cases over the same images, each after one warm-up request, so the rows compare.</summary>
public static class BenchRunner
{
    public static async Task<BenchRow> RunAsync(ISegmentBackend backend, IReadOnlyList<(string Name, byte[] Bytes, int Width, int Height)> images,
        BenchCase benchCase, SegmentOptions baseOptions, int repeat, CancellationToken ct)
    {
        var requests = Requests(images, benchCase, baseOptions, repeat);
        await backend.SegmentAsync(requests[0], ct);
        if (benchCase.Stream)
        {
            return await RunStreamsAsync(backend as GrpcBackend ?? throw new ArgumentException("--stream needs --server: SegmentStream is a gRPC call"),
                requests, benchCase, ct);
        }

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
        return Row(benchCase, latencies, responses, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// Several cases of one call at a time, frame by frame in turn (frame i in every case, the first case rotating, then
    /// frame i + 1), so a slow stretch of a shared machine falls on every case alike rather than on whichever case was
    /// running: their p50s then compare. A case's images/s is over its own calls' time.
    /// </summary>
    public static async Task<IReadOnlyList<BenchRow>> RunInterleavedAsync(ISegmentBackend backend,
        IReadOnlyList<(string Name, byte[] Bytes, int Width, int Height)> images, IReadOnlyList<BenchCase> cases, SegmentOptions baseOptions,
        int repeat, CancellationToken ct)
    {
        if (cases.Any(c => c.Concurrency != 1 || c.Stream))
        {
            throw new ArgumentException("--interleave times one unary call at a time: leave out --concurrency and --stream");
        }

        var requests = cases.Select(c => Requests(images, c, baseOptions, repeat)).ToList();
        foreach (var warmUp in requests)
        {
            await backend.SegmentAsync(warmUp[0], ct);
        }

        var latencies = cases.Select(_ => new List<double>()).ToList();
        var responses = cases.Select(_ => new List<SegmentResponse>()).ToList();
        for (var i = 0; i < requests[0].Count; i++)
        {
            for (var k = 0; k < cases.Count; k++)
            {
                var c = (i + k) % cases.Count;
                var t = Stopwatch.GetTimestamp();
                responses[c].Add(await backend.SegmentAsync(requests[c][i], ct));
                latencies[c].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        return cases.Select((c, k) => Row(c, latencies[k], responses[k], latencies[k].Sum() / 1000)).ToList();
    }

    private static List<SegmentRequest> Requests(IReadOnlyList<(string Name, byte[] Bytes, int Width, int Height)> images,
        BenchCase benchCase, SegmentOptions baseOptions, int repeat)
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

        return requests;
    }

    /// <summary>Request i goes to stream i % Concurrency, so each stream sees the frames in their order.</summary>
    private static async Task<BenchRow> RunStreamsAsync(GrpcBackend backend, List<SegmentRequest> requests, BenchCase benchCase, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var streams = await Task.WhenAll(Enumerable.Range(0, benchCase.Concurrency).Select(s =>
            backend.StreamAsync(requests.Where((_, i) => i % benchCase.Concurrency == s).ToList(), benchCase.Fps, ct)));
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return Row(benchCase, streams.SelectMany(s => s.LatenciesMs), streams.SelectMany(s => s.Responses), wall);
    }

    private static BenchRow Row(BenchCase benchCase, IEnumerable<double> latencies, IEnumerable<SegmentResponse> responses, double wallSeconds)
    {
        var sorted = latencies.Order().ToArray();
        var all = responses.ToList();
        return new BenchRow(benchCase, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Average(),
            sorted.Length / wallSeconds,
            all.Average(r => r.Timings?.CoarseMs ?? 0), all.Average(r => r.Timings?.RefineMs ?? 0),
            all.Average(r => (double)r.PointsRefined), all.Average(r => (double)r.Width * r.Height));
    }

    private static double Percentile(double[] sorted, double q)
    {
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
