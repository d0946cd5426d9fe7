using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Queueing;

/// <summary>
/// Shares the workers fairly between callers: each caller has at most <c>slotsPerCaller()</c> jobs in the queue or
/// running (as many as the workers can run at once, so one caller alone still uses the whole pool); its further jobs wait in
/// the caller's own line, in order, outside the shared queue. A burst of tiles from one caller therefore puts at most
/// that many jobs ahead of another caller's frame, which then waits about one job's time rather than the burst's.
/// </summary>
/// <remarks>Below the result cache (a hit needs no worker) and above the queue, in both embedded and distributed
/// mode. Jobs without a caller (CLI, benchmarks) share one line.</remarks>
/// <param name="maxWaiting">Jobs one caller may have waiting in its line; beyond, RESOURCE_EXHAUSTED (QUEUE_FULL) at once.</param>
/// <param name="maxWaitingKey">The option that sets <paramref name="maxWaiting"/>, named in the refusal.</param>
public sealed class FairShareJobRunner(ISegmentJobRunner inner, Func<int> slotsPerCaller, int maxWaiting, string maxWaitingKey, TimeProvider? time = null)
    : ISegmentJobRunner
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);

    public async Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken)
    {
        var line = Join(context.Caller);
        try
        {
            await line.WaitTurnAsync(Math.Max(1, slotsPerCaller()), maxWaiting, context.DeadlineUtc - _time.GetUtcNow().UtcDateTime, _time, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (LineFullException)
        {
            Leave(context.Caller, line, ran: false);
            QueueMetrics.Refused.WithLabels("full").Inc();
            throw new SegmentationException(SegmentationErrorKind.ResourceExhausted, ErrorReason.QueueFull,
                $"the queue is full for this caller ({maxWaiting} of its jobs already wait for a worker, {maxWaitingKey} = {maxWaiting}); retry later",
                retryAfter: TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            Leave(context.Caller, line, ran: false);
            throw new SegmentationException(SegmentationErrorKind.DeadlineExceeded, ErrorReason.DeadlineExceeded,
                $"the deadline of request '{request.CorrelationId}' passed while it waited behind the same caller's earlier jobs");
        }
        catch (OperationCanceledException)
        {
            Leave(context.Caller, line, ran: false);
            throw new SegmentationException(SegmentationErrorKind.Cancelled, ErrorReason.Cancelled, $"request '{request.CorrelationId}' was cancelled by the caller");
        }

        try
        {
            return await inner.RunAsync(request, context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Leave(context.Caller, line, ran: true);
        }
    }

    /// <summary>Callers with a line (jobs waiting or in the queue); for tests and metrics.</summary>
    public int Callers
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    private Line Join(string caller)
    {
        lock (_lines)
        {
            if (!_lines.TryGetValue(caller, out var line))
            {
                _lines[caller] = line = new Line();
            }

            line.Members++;
            return line;
        }
    }

    private void Leave(string caller, Line line, bool ran)
    {
        lock (_lines)
        {
            if (ran)
            {
                line.Release(Math.Max(1, slotsPerCaller()));
            }

            if (--line.Members == 0)
            {
                _lines.Remove(caller);
            }
        }
    }

    /// <summary>One caller's jobs: how many hold a slot, and who waits for one, first come first served.</summary>
    private sealed class Line
    {
        private readonly LinkedList<TaskCompletionSource> _waiting = new();
        private int _active;

        public int Members { get; set; }

        public async Task WaitTurnAsync(int slots, int maxWaiting, TimeSpan remaining, TimeProvider time, CancellationToken ct)
        {
            TaskCompletionSource turn;
            LinkedListNode<TaskCompletionSource> node;
            lock (this)
            {
                if (_active < slots && _waiting.Count == 0)
                {
                    _active++;
                    return;
                }

                if (_waiting.Count >= maxWaiting)
                {
                    throw new LineFullException();
                }

                turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiting.AddLast(turn);
            }

            try
            {
                await turn.Task.WaitAsync(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining, time, ct).ConfigureAwait(false);
            }
            catch
            {
                lock (this)
                {
                    if (node.List is not null)
                    {
                        _waiting.Remove(node);
                        throw;
                    }
                }

                // The slot was handed over just as the wait ended: give it on rather than lose it.
                Release(slots);
                throw;
            }
        }

        public void Release(int slots)
        {
            lock (this)
            {
                _active--;
                while (_active < slots && _waiting.First is { } next)
                {
                    _waiting.RemoveFirst();
                    _active++;
                    next.Value.TrySetResult();
                }
            }
        }
    }

    private sealed class LineFullException : Exception;
}
