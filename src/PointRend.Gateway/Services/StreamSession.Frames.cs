using System.Diagnostics;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Services;

/// <summary>
/// Running one frame. Degrading means asking for RENDER_MODE_COARSE: the coarse network runs, refinement does not
/// (PointRend's refinement is anytime, so stopping before it still gives a whole mask). A progressive frame runs a
/// coarse job beside the full one, because a job answers once; the coarse answer is sent only if it is ready first.
/// </summary>
internal sealed partial class StreamSession
{
    /// <summary>How long a full (not degraded) run of this stream takes, smoothed; zero until one finished.</summary>
    private long _fullRunTicks;

    private async Task RunFrameAsync(FrameSlot slot, JobContext job, bool degrade, CancellationToken ct)
    {
        var frame = slot.Take();
        var options = frame.Options ?? _config.Options;
        var coarseAsked = options?.Mode == RenderMode.Coarse;
        degrade &= !coarseAsked;
        var answer = new SegmentStreamResponse { Sequence = frame.Sequence };
        using var early = new CancellationTokenSource();
        using var earlyStop = CancellationTokenSource.CreateLinkedTokenSource(ct, early.Token);
        var earlyRun = _config.Progressive && !degrade && !coarseAsked
            ? RunEarlyAsync(slot, frame, Coarse(options), job, earlyStop.Token)
            : Task.FromResult(slot.Early.TrySetResult(null));
        try
        {
            var started = Stopwatch.GetTimestamp();
            answer.Result = await RunJobAsync(frame, degrade ? Coarse(options) : options, job, ct).ConfigureAwait(false);
            answer.Status = degrade ? FrameStatus.Degraded : FrameStatus.Processed;
            if (degrade)
            {
                Interlocked.Increment(ref _degraded);
            }
            else if (!coarseAsked)
            {
                RecordFullRun(Stopwatch.GetElapsedTime(started));
            }
        }
        catch (Exception ex) when (ex is SegmentationException || !ct.IsCancellationRequested)
        {
            var error = ex as SegmentationException ?? new SegmentationException(
                SegmentationErrorKind.Internal, ErrorReason.Internal, "the server failed to process the frame; its logs have the detail", inner: ex);
            frameFailed(frame.Sequence, error);
            answer.Status = FrameStatus.Failed;
            answer.Error = GrpcErrors.ToStatus(error);
        }
        catch (Exception ex)
        {
            slot.Early.TrySetResult(null);
            slot.Final.TrySetException(ex); // the call is ending; the writer loop stops on it
            await early.CancelAsync().ConfigureAwait(false);
            await earlyRun.ConfigureAwait(false);
            Finished(ct);
            return;
        }

        // A coarse answer that is not ready by now would only delay the refined one.
        slot.Early.TrySetResult(null);
        slot.Final.TrySetResult(answer);
        await early.CancelAsync().ConfigureAwait(false);
        await earlyRun.ConfigureAwait(false);
        Finished(ct);
    }

    private async Task<bool> RunEarlyAsync(FrameSlot slot, Frame frame, SegmentOptions options, JobContext job, CancellationToken ct)
    {
        try
        {
            var result = await RunJobAsync(frame, options, job, ct).ConfigureAwait(false);
            return slot.Early.TrySetResult(new SegmentStreamResponse
            {
                Sequence = frame.Sequence, Status = FrameStatus.Processed, Result = result, Stage = ResultStage.Coarse,
            });
        }
        catch (Exception)
        {
            // The full run reports this frame's errors; an early answer is only ever a bonus.
            return slot.Early.TrySetResult(null);
        }
    }

    private async Task<SegmentResponse> RunJobAsync(Frame frame, SegmentOptions? options, JobContext job, CancellationToken ct)
    {
        using var ticket = admission.Admit(frame.Image, options, job.Caller);
        var request = new SegmentRequest { Image = frame.Image, Options = options, CorrelationId = $"frame {frame.Sequence}" };
        return await pipeline.Runner.RunAsync(request, job, ct).ConfigureAwait(false);
    }

    private static SegmentOptions Coarse(SegmentOptions? options)
    {
        var coarse = options?.Clone() ?? new SegmentOptions();
        coarse.Mode = RenderMode.Coarse;
        return coarse;
    }

    /// <summary>Degrade when what is left of the frame's budget (max_age, deadline) cannot fit a full run as this stream has seen them.</summary>
    private bool FitsFullRun(FrameSlot slot, JobContext job)
    {
        var typical = TimeSpan.FromTicks(Interlocked.Read(ref _fullRunTicks));
        if (typical == TimeSpan.Zero)
        {
            return true;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var left = job.DeadlineUtc - now;
        if (MaxAge != TimeSpan.MaxValue && slot.Born + MaxAge - now < left)
        {
            left = slot.Born + MaxAge - now;
        }

        return left >= typical;
    }

    /// <summary>An exponential average over about the last four full runs: follows load changes within a few frames.</summary>
    private void RecordFullRun(TimeSpan took)
    {
        lock (_gate)
        {
            var before = _fullRunTicks;
            _fullRunTicks = before == 0 ? took.Ticks : ((3 * before) + took.Ticks) / 4;
        }
    }
}
