using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = backend.OpenStream(stop.Token);
        var pending = new ConcurrentDictionary<ulong, (string Name, long Captured)>();
        var writing = Task.Run(async () =>
        {
            try
            {
                await WriteFramesAsync(call, source, config, fps, limit, stats, pending, ct);
            }
            catch
            {
                await stop.CancelAsync(); // the server would otherwise wait for frames that never come
                throw;
            }
        }, ct);

        try
        {
            await ReadAnswersAsync(call, stats, pending, output, ct);
        }
        catch (Exception) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await writing; // the writer failed and ended the call: its error is the one to report
            throw;
        }

        await writing;
    }

    private static async Task WriteFramesAsync(
        AsyncDuplexStreamingCall<SegmentStreamRequest, SegmentStreamResponse> call, IFrameSource source, StreamConfig config, double fps, int limit,
        StreamStats stats, ConcurrentDictionary<ulong, (string Name, long Captured)> pending, CancellationToken ct)
    {
        await call.RequestStream.WriteAsync(new SegmentStreamRequest { Config = config }, ct);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0UL; limit <= 0 || i < (ulong)limit; i++)
        {
            if (fps > 0 && TimeSpan.FromSeconds(i / fps) - Stopwatch.GetElapsedTime(start) is { } due && due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            if (await source.NextAsync(ct) is not { } next)
            {
                break;
            }

            pending[i] = (next.Name, Stopwatch.GetTimestamp());
            var frame = new Frame { Sequence = i, CaptureTime = Timestamp.FromDateTime(DateTime.UtcNow), Image = next.Image };
            await call.RequestStream.WriteAsync(new SegmentStreamRequest { Frame = frame }, ct);
            stats.Sent();
        }

        await call.RequestStream.CompleteAsync();
    }

    private static async Task ReadAnswersAsync(
        AsyncDuplexStreamingCall<SegmentStreamRequest, SegmentStreamResponse> call, StreamStats stats,
        ConcurrentDictionary<ulong, (string Name, long Captured)> pending, OverlayOutput? output, CancellationToken ct)
    {
        await foreach (var answer in call.ResponseStream.ReadAllAsync(ct))
        {
            if (answer.Stage == ResultStage.Coarse)
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
            if (answer.Status == FrameStatus.Failed)
            {
                Console.Error.WriteLine($"frame {answer.Sequence}: {(StatusCode)answer.Error.Code} {answer.Error.Message}");
            }

            if (output is null)
            {
                continue;
            }

            if (answer.Result is { } result && answer.Status is FrameStatus.Processed or FrameStatus.Degraded)
            {
                await output.WriteAsync(sent.Name, result.OverlayPng, ct);
            }
            else
            {
                await output.SkipAsync(ct);
            }
        }
    }
}
