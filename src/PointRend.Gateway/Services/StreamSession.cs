using System.Threading.Channels;
using Grpc.Core;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Hosting;
using PointRend.Gateway.Options;

namespace PointRend.Gateway.Services;

/// <summary>
/// One SegmentStream call. Every frame gets an answer, in arrival order: processed, degraded to the coarse prediction,
/// failed alone (the stream goes on), or dropped (stale or overflow). At most <see cref="Depth"/> frames run at once:
/// by default the pool's job slots plus one, re-read as workers come and go, so one stream keeps every worker busy.
/// STREAM_POLICY_ALL stops reading while they run (the sender is slowed), or with max_waiting keeps up to that
/// many frames waiting and refuses newcomers beyond; STREAM_POLICY_LATEST keeps reading and holds only the newest
/// unstarted frame(s), so a camera faster than the pool meets bounded latency instead of a growing backlog.
/// Frames finishing out of turn wait in <see cref="_answers"/>, the reorder buffer; with ALL that buffer and the
/// running frames together hold at most depth + 1 frames (<see cref="_unanswered"/>), so a slow frame cannot let the
/// sender run ahead by more than a pipeline's worth.
/// Running one frame (degrade, progressive answers) is in StreamSession.Frames.cs.
/// </summary>
internal sealed partial class StreamSession(
    RequestPipeline pipeline, RequestAdmission admission, GatewayOptions options, Func<JobContext> newJob, TimeProvider time,
    Action<ulong, SegmentationException> frameFailed)
{
    /// <summary>Answers waiting to be written when the server keeps reading; mostly drops, written as soon as their turn comes.</summary>
    private const int ReadingBacklog = 256;

    private DepthGate _running = null!; // made once the config is known: progressive frames take two slots
    private DepthGate _unanswered = null!;
    private readonly object _gate = new();
    private readonly Queue<FrameSlot> _waiting = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _inFlight = new();
    private Channel<FrameSlot> _answers = Channel.CreateBounded<FrameSlot>(options.StreamMaxPipelineDepth + 1); // _unanswered bounds it closer
    private StreamConfig _config = new();
    private int _blockedReading;
    private long _dropped;
    private long _overflowed;
    private long _degraded;

    public async Task RunAsync(IAsyncStreamReader<SegmentStreamRequest> requests, IServerStreamWriter<SegmentStreamResponse> responses, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = await requests.MoveNext(stop.Token).ConfigureAwait(false) ? requests.Current : null;
        if (first?.KindCase == SegmentStreamRequest.KindOneofCase.Config)
        {
            _config = StreamConfigRules.Checked(first.Config, options);
            first = null;
        }

        _running = new DepthGate(() => Depth);
        _unanswered = new DepthGate(() => Depth + 1);

        if (KeepsReading)
        {
            _answers = Channel.CreateBounded<FrameSlot>(ReadingBacklog);
        }

        var reading = ReadAsync(first, requests, stop.Token);
        try
        {
            await foreach (var slot in _answers.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                if (await slot.Early.Task.ConfigureAwait(false) is { } early)
                {
                    early.State = State();
                    await responses.WriteAsync(early, stop.Token).ConfigureAwait(false);
                }

                var answer = await slot.Final.Task.ConfigureAwait(false);
                answer.State = State();
                answer.Stage = ResultStage.Final;
                await responses.WriteAsync(answer, stop.Token).ConfigureAwait(false);
                if (!KeepsReading)
                {
                    _unanswered.Release();
                }
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

    /// <summary>
    /// Frames of this stream that may run at once now: Gateway:StreamPipelineDepth, or enough to fill the pool's slots
    /// plus one. A progressive frame runs two jobs (coarse and full), so it counts for two slots.
    /// </summary>
    private int Depth => options.StreamDepth(pipeline.PoolSlots() / (_config.Progressive ? 2 : 1));

    private bool Latest => _config.Policy == StreamPolicy.Latest;

    /// <summary>LATEST, or ALL with max_waiting: frames are read as they come and wait in <see cref="_waiting"/>.</summary>
    private bool KeepsReading => Latest || _config.MaxWaiting > 0;

    /// <summary>LATEST holds the newest frame; with degrade a pipeline's worth, served coarse while others wait behind.</summary>
    private int LatestWaiting => _config.Degrade ? Depth : 1;

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

        var slot = new FrameSlot(message.Frame, time.GetUtcNow().UtcDateTime);
        if (!KeepsReading)
        {
            Interlocked.Exchange(ref _blockedReading, 1);
            await _unanswered.EnterAsync(ct).ConfigureAwait(false);
            await _answers.Writer.WriteAsync(slot, ct).ConfigureAwait(false); // holds its place in the answer order
            await _running.EnterAsync(ct).ConfigureAwait(false);
            Interlocked.Exchange(ref _blockedReading, 0);
            Start(slot, behind: false, ct);
            return;
        }

        await _answers.Writer.WriteAsync(slot, ct).ConfigureAwait(false); // holds its place in the answer order

        lock (_gate)
        {
            if (!Latest && _waiting.Count >= _config.MaxWaiting)
            {
                Interlocked.Increment(ref _overflowed);
                slot.Skip(FrameStatus.DroppedOverflow); // the newcomer is refused; the waiting frames keep their places
                return;
            }

            _waiting.Enqueue(slot);
            if (Latest && _waiting.Count > LatestWaiting)
            {
                Interlocked.Increment(ref _dropped);
                _waiting.Dequeue().Skip(FrameStatus.DroppedStale);
            }
        }

        StartWaiting(ct);
    }

    /// <summary>Starts waiting frames, oldest first, whenever a place is free.</summary>
    private void StartWaiting(CancellationToken ct)
    {
        while (true)
        {
            FrameSlot next;
            bool behind;
            lock (_gate)
            {
                if (_waiting.Count == 0 || !_running.TryEnter())
                {
                    return;
                }

                next = _waiting.Dequeue();
                behind = _waiting.Count > 0;
            }

            Start(next, behind, ct);
        }
    }

    /// <param name="behind">Another frame was already waiting when this one started: the stream is behind.</param>
    private void Start(FrameSlot slot, bool behind, CancellationToken ct)
    {
        if (TooOld(slot))
        {
            Interlocked.Increment(ref _dropped);
            slot.Skip(FrameStatus.DroppedStale);
            Finished(ct);
            return;
        }

        var job = newJob();
        var degrade = _config.Degrade && (behind || !FitsFullRun(slot, job));
        var run = RunFrameAsync(slot, job, degrade, ct);
        _inFlight[run] = 0;
        _ = run.ContinueWith(done => _inFlight.TryRemove(done, out _), TaskScheduler.Default);
    }

    private void Finished(CancellationToken ct)
    {
        _running.Release();
        if (KeepsReading && !ct.IsCancellationRequested)
        {
            StartWaiting(ct);
        }
    }

    private TimeSpan MaxAge => _config.MaxAge?.ToTimeSpan() is { } maxAge && maxAge > TimeSpan.Zero ? maxAge : TimeSpan.MaxValue;

    private bool TooOld(FrameSlot slot) => MaxAge != TimeSpan.MaxValue && time.GetUtcNow().UtcDateTime - slot.Born > MaxAge;

    private StreamState State()
    {
        lock (_gate)
        {
            return new StreamState
            {
                FramesWaiting = _waiting.Count + Volatile.Read(ref _blockedReading),
                FramesInFlight = _running.Held,
                PipelineDepth = Depth,
                FramesDropped = (ulong)Interlocked.Read(ref _dropped),
                FramesDroppedOverflow = (ulong)Interlocked.Read(ref _overflowed),
                FramesDegraded = (ulong)Interlocked.Read(ref _degraded),
            };
        }
    }
}
