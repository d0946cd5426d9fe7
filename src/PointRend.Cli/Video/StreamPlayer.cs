using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Video;

/// <summary>
/// Plays one frame source into one SegmentStream like a camera: frames written at <c>fps</c> (0 = as fast as the
/// stream takes them), each stamped with its capture time, while the answers are read, counted and written out.
/// </summary>
internal static class StreamPlayer
{
    public static async Task PlayAsync(
        GrpcBackend backend, IFrameSource source, StreamConfig config, double fps, int limit, StreamStats stats, OverlayOutput? output, CancellationToken ct)
    {
        var pending = new ConcurrentDictionary<ulong, (string Name, long Captured)>();
        await foreach (var answer in backend.Client.SegmentStreamAsync(FramesAsync(source, fps, limit, stats, pending, ct), config, cancellationToken: ct))
        {
            if (answer.IsEarly)
            {
                // A progressive stream's early answer; the frame's final one follows.
                if (pending.TryGetValue(answer.Sequence, out var first))
                {
                    stats.Early(Stopwatch.GetElapsedTime(first.Captured).TotalMilliseconds);
                }

                continue;
            }

            if (!pending.TryRemove(answer.Sequence, out var sent))
            {
                continue;
            }

            stats.Answered(answer.Status, Stopwatch.GetElapsedTime(sent.Captured).TotalMilliseconds);
            if (answer.Error is { } error)
            {
                Console.Error.WriteLine($"frame {answer.Sequence}: {error.StatusCode} {error.Message}");
            }

            if (output is null)
            {
                continue;
            }

            if (answer.Result is { } result)
            {
                await output.WriteAsync(sent.Name, result.OverlayPng, ct);
            }
            else
            {
                await output.SkipAsync(ct);
            }
        }
    }

    /// <summary>The source's frames as a camera at <paramref name="fps"/> would deliver them, each stamped with its capture time.</summary>
    private static async IAsyncEnumerable<Frame> FramesAsync(
        IFrameSource source, double fps, int limit, StreamStats stats, ConcurrentDictionary<ulong, (string Name, long Captured)> pending,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0UL; limit <= 0 || i < (ulong)limit; i++)
        {
            if (fps > 0 && TimeSpan.FromSeconds(i / fps) - Stopwatch.GetElapsedTime(start) is { } due && due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            if (await source.NextAsync(ct) is not { } next)
            {
                yield break;
            }

            pending[i] = (next.Name, Stopwatch.GetTimestamp());
            yield return new Frame { Sequence = i, CaptureTime = Timestamp.FromDateTime(DateTime.UtcNow), Image = next.Image };
            stats.Sent();
        }
    }
}
