using System.Threading.Channels;
using Grpc.Core;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Hosting;

namespace PointRend.Gateway.Services;

/// <summary>
/// One SegmentStream call. Every frame gets an answer, in arrival order: processed, failed alone (the stream goes on),
/// or dropped as stale. At most <c>depth</c> frames run at once. STREAM_POLICY_ALL stops reading while they run
/// (the sender is slowed); STREAM_POLICY_LATEST keeps reading and holds only the newest unstarted frame, so a camera
/// faster than the pool meets bounded latency instead of a growing backlog.
/// </summary>
internal sealed class StreamSession(
    RequestPipeline pipeline, RequestAdmission admission, int depth, Func<JobContext> newJob, TimeProvider time, Action<ulong, SegmentationException> frameFailed)
    : IDisposable
{
    /// <summary>Answers waiting to be written; with LATEST mostly drops, which are written as soon as their turn comes.</summary>
    private const int LatestBacklog = 256;

    private readonly SemaphoreSlim _running = new(depth);
    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _inFlight = new();
    private Channel<Slot> _answers = Channel.CreateBounded<Slot>(depth);
    private StreamConfig _config = new();
    private Slot? _pending;
    private long _dropped;

    public async Task RunAsync(IAsyncStreamReader<SegmentStreamRequest> requests, IServerStreamWriter<SegmentStreamResponse> responses, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = await requests.MoveNext(stop.Token).ConfigureAwait(false) ? requests.Current : null;
        if (first?.KindCase == SegmentStreamRequest.KindOneofCase.Config)
        {
            _config = first.Config;
            first = null;
        }

        if (Latest)
        {
            _answers = Channel.CreateBounded<Slot>(LatestBacklog);
        }

        var reading = ReadAsync(first, requests, stop.Token);
        try
        {
            await foreach (var slot in _answers.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var answer = await slot.Answer.Task.ConfigureAwait(false);
                answer.State = State();
                await responses.WriteAsync(answer, stop.Token).ConfigureAwait(false);
            }

            await reading.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false); // its fault already reached the loop
            await Task.WhenAll(_inFlight.Keys).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false); // cancelled with the call
        }
    }

    private bool Latest => _config.Policy == StreamPolicy.Latest;

    private async Task ReadAsync(SegmentStreamRequest? first, IAsyncStreamReader<SegmentStreamRequest> requests, CancellationToken ct)
    {
        try
        {
            if (first is not null)
            {
                await AcceptAsync(first, ct).ConfigureAwait(false);
            }

            while (await requests.MoveNext(ct).ConfigureAwait(false))
            {
                await AcceptAsync(requests.Current, ct).ConfigureAwait(false);
            }

            _answers.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _answers.Writer.TryComplete(ex);
        }
    }

    private async Task AcceptAsync(SegmentStreamRequest message, CancellationToken ct)
    {
        if (message.KindCase != SegmentStreamRequest.KindOneofCase.Frame)
        {
            var config = message.KindCase == SegmentStreamRequest.KindOneofCase.Config;
            throw new SegmentationException(SegmentationErrorKind.InvalidArgument, ErrorReason.StreamProtocol,
                config
                    ? "a StreamConfig may only be the first message of a SegmentStream; later messages must be frames"
                    : "a SegmentStreamRequest must set config or frame",
                config ? "config" : "kind");
        }

        var slot = new Slot(message.Frame, time.GetUtcNow().UtcDateTime);
        await _answers.Writer.WriteAsync(slot, ct).ConfigureAwait(false); // holds its place in the answer order
        if (!Latest)
        {
            await _running.WaitAsync(ct).ConfigureAwait(false);
            Start(slot, ct);
            return;
        }

        lock (_gate)
        {
            if (_pending is { } superseded)
            {
                Drop(superseded);
            }

            _pending = slot;
        }

        StartPending(ct);
    }

    /// <summary>LATEST: starts the newest waiting frame whenever a place is free.</summary>
    private void StartPending(CancellationToken ct)
    {
        while (true)
        {
            Slot next;
            lock (_gate)
            {
                if (_pending is null || !_running.Wait(0, CancellationToken.None))
                {
                    return;
                }

                next = _pending;
                _pending = null;
            }

            Start(next, ct);
        }
    }

    private void Start(Slot slot, CancellationToken ct)
    {
        if (TooOld(slot))
        {
            Drop(slot);
            Finished(ct);
            return;
        }

        var run = RunFrameAsync(slot, ct);
        _inFlight[run] = 0;
        _ = run.ContinueWith(done => _inFlight.TryRemove(done, out _), TaskScheduler.Default);
    }

    public void Dispose() => _running.Dispose();

    private async Task RunFrameAsync(Slot slot, CancellationToken ct)
    {
        var frame = slot.Frame;
        var answer = new SegmentStreamResponse { Sequence = frame.Sequence };
        try
        {
            var job = newJob();
            var options = frame.Options ?? _config.Options;
            using var ticket = admission.Admit(frame.Image, options, job.Caller);
            var request = new SegmentRequest { Image = frame.Image, Options = options, CorrelationId = $"frame {frame.Sequence}" };
            answer.Result = await pipeline.Runner.RunAsync(request, job, ct).ConfigureAwait(false);
            answer.Status = FrameStatus.Processed;
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
            slot.Answer.TrySetException(ex); // the call is ending; the writer loop stops on it
            Finished(ct);
            return;
        }

        slot.Answer.TrySetResult(answer);
        Finished(ct);
    }

    private void Finished(CancellationToken ct)
    {
        _running.Release();
        if (Latest && !ct.IsCancellationRequested)
        {
            StartPending(ct);
        }
    }

    private bool TooOld(Slot slot)
    {
        var maxAge = _config.MaxAge?.ToTimeSpan() ?? TimeSpan.Zero;
        if (maxAge <= TimeSpan.Zero)
        {
            return false;
        }

        var born = slot.Frame.CaptureTime?.ToDateTime() ?? slot.Arrived;
        return time.GetUtcNow().UtcDateTime - born > maxAge;
    }

    private void Drop(Slot slot)
    {
        Interlocked.Increment(ref _dropped);
        slot.Answer.TrySetResult(new SegmentStreamResponse { Sequence = slot.Frame.Sequence, Status = FrameStatus.DroppedStale });
    }

    private StreamState State()
    {
        lock (_gate)
        {
            return new StreamState
            {
                FramesWaiting = _pending is null ? 0 : 1,
                FramesInFlight = depth - _running.CurrentCount,
                FramesDropped = (ulong)Interlocked.Read(ref _dropped),
            };
        }
    }

    private sealed record Slot(Frame Frame, DateTime Arrived)
    {
        public TaskCompletionSource<SegmentStreamResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
