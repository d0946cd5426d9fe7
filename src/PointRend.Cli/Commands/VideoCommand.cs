using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using PointRend.Cli.Backends;
using PointRend.Cli.Evaluation;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend video</c>: plays a folder of frames (in name order: CamVid's sequences are video) into SegmentStream
/// like a camera at --fps, with a stream policy, and reports what a live client sees: frames in and out per second,
/// latency from capture to result (p50, p99), dropped and failed frames; --out writes the overlays.
/// </summary>
public static class VideoCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "folder of frames, played in name order" };
        var server = new Option<string>("--server") { Description = "gateway URL", Required = true };
        var fps = new Option<double>("--fps") { Description = "frames per second written, like a camera (0 = as fast as the stream accepts)", DefaultValueFactory = _ => 25 };
        var policy = new Option<string>("--policy") { Description = "all (every frame, sender slowed) or latest (drop unstarted older frames)", DefaultValueFactory = _ => "latest" };
        var maxAge = new Option<double>("--max-age-ms") { Description = "drop frames older than this when they could start (0 = no limit)" };
        var limit = new Option<int>("--limit") { Description = "play the first N frames (0 = all)" };
        var mode = new Option<string>("--mode") { Description = "coarse, pointrend or dense", DefaultValueFactory = _ => "pointrend" };
        var output = new Option<string?>("--out") { Description = "write an overlay PNG per processed frame into this folder" };
        var command = new Command("video", "Stream a folder of frames like a live camera and report latency and drops")
        {
            source, server, fps, policy, maxAge, limit, mode, output,
        };
        command.SetAction(async (result, ct) =>
        {
            var frames = ImageFiles.Expand([result.GetValue(source)!], result.GetValue(limit));
            if (frames.Count == 0)
            {
                Console.Error.WriteLine($"no PNG or JPEG frames in {result.GetValue(source)}");
                return 2;
            }

            var outDir = result.GetValue(output);
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
            }

            var config = new StreamConfig
            {
                Policy = result.GetValue(policy)!.ToLowerInvariant() switch
                {
                    "all" => StreamPolicy.All,
                    "latest" => StreamPolicy.Latest,
                    var p => throw new ArgumentException($"--policy is '{p}'; use all or latest"),
                },
                Options = new SegmentOptions
                {
                    Mode = CommonOptions.ParseMode(result.GetValue(mode)!),
                    Outputs = new OutputSelection { OverlayPng = outDir is not null, ClassRaw = outDir is null },
                },
            };
            if (result.GetValue(maxAge) > 0)
            {
                config.MaxAge = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(result.GetValue(maxAge)));
            }

            await using var backend = new GrpcBackend(result.GetValue(server)!);
            var report = await PlayAsync(backend, frames, config, result.GetValue(fps), outDir, ct);
            Console.WriteLine(report);
            return 0;
        });
        return command;
    }

    private static async Task<string> PlayAsync(GrpcBackend backend, IReadOnlyList<string> frames, StreamConfig config, double fps, string? outDir, CancellationToken ct)
    {
        var captured = new DateTime[frames.Count];
        var start = Stopwatch.GetTimestamp();
        var latencies = new List<double>();
        int processed = 0, dropped = 0, failed = 0;
        var lastLine = Stopwatch.GetTimestamp();
        await foreach (var answer in backend.Client.SegmentStreamAsync(Camera(frames, fps, captured, start, ct), config, cancellationToken: ct))
        {
            switch (answer.Status)
            {
                case FrameStatus.Processed:
                    processed++;
                    latencies.Add((DateTime.UtcNow - captured[answer.Sequence]).TotalMilliseconds);
                    if (outDir is not null)
                    {
                        await File.WriteAllBytesAsync(Path.Combine(outDir, Path.GetFileNameWithoutExtension(frames[(int)answer.Sequence]) + ".png"), answer.Result!.OverlayPng.ToByteArray(), ct);
                    }

                    break;
                case FrameStatus.DroppedStale:
                    dropped++;
                    break;
                default:
                    failed++;
                    Console.Error.WriteLine($"frame {answer.Sequence}: {answer.Error?.StatusCode} {answer.Error?.ReasonName}: {answer.Error?.Message}");
                    break;
            }

            if (Stopwatch.GetElapsedTime(lastLine) > TimeSpan.FromSeconds(1))
            {
                lastLine = Stopwatch.GetTimestamp();
                Console.Error.WriteLine(Line(answer.Sequence + 1, processed, dropped, failed, latencies, Stopwatch.GetElapsedTime(start)));
            }
        }

        return Line((ulong)frames.Count, processed, dropped, failed, latencies, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>The files as a camera at <paramref name="fps"/> would deliver them, each stamped with its capture time.</summary>
    private static async IAsyncEnumerable<Frame> Camera(IReadOnlyList<string> frames, double fps, DateTime[] captured, long start,
        [EnumeratorCancellation] CancellationToken ct)
    {
        for (var i = 0; i < frames.Count; i++)
        {
            if (fps > 0 && TimeSpan.FromSeconds(i / fps) - Stopwatch.GetElapsedTime(start) is { } due && due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            var bytes = await File.ReadAllBytesAsync(frames[i], ct);
            captured[i] = DateTime.UtcNow;
            yield return new Frame { Sequence = (ulong)i, CaptureTime = Timestamp.FromDateTime(captured[i]), Image = new Image { Encoded = ByteString.CopyFrom(bytes) } };
        }
    }

    private static string Line(ulong answered, int processed, int dropped, int failed, List<double> latencies, TimeSpan elapsed)
    {
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        return string.Create(CultureInfo.InvariantCulture,
            $"{answered} frames in {elapsed.TotalSeconds:F1} s: in {answered / elapsed.TotalSeconds:F1} fps, out {processed / elapsed.TotalSeconds:F1} fps; " +
            $"latency capture->result p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms; processed {processed}, dropped {dropped}, failed {failed}");
    }
}
