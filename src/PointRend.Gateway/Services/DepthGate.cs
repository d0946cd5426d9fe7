namespace PointRend.Gateway.Services;

/// <summary>
/// At most <c>limit()</c> holders at once, like a semaphore whose count may change while it is held: the limit is
/// read on every entry and release, so a stream's depth follows the pool as workers come and go. Above a lowered
/// limit nobody enters until enough holders have left; a raised limit lets waiters in at the next release.
/// </summary>
internal sealed class DepthGate(Func<int> limit)
{
    private readonly object _lock = new();
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private int _held;

    public int Held => Volatile.Read(ref _held);

    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_waiters.Count > 0 || _held >= limit())
            {
                return false;
            }

            _held++;
            return true;
        }
    }

    public async Task EnterAsync(CancellationToken ct)
    {
        TaskCompletionSource turn;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _held < limit())
            {
                _held++;
                return;
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(turn);
        }

        // A turn cancelled before it was handed out is skipped by Release; one handed out first is kept.
        await using var cancel = ct.Register(() => turn.TrySetCanceled(ct)).ConfigureAwait(false);
        await turn.Task.ConfigureAwait(false);
    }

    public void Release()
    {
        lock (_lock)
        {
            _held--;
            while (_held < limit() && _waiters.TryDequeue(out var next))
            {
                if (next.TrySetResult())
                {
                    _held++;
                }
            }
        }
    }
}
