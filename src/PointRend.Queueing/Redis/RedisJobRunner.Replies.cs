using Microsoft.Extensions.Logging;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>Replies: this gateway's subscription, reading stored results, and the sweep after a reconnect.</summary>
public sealed partial class RedisJobRunner
{
    /// <summary>
    /// Subscribes to this gateway's reply channel on first use rather than at construction, so a gateway started
    /// while Redis is down stays up (answering UNAVAILABLE) and subscribes once it can. The multiplexer renews the
    /// subscription after reconnects by itself.
    /// </summary>
    private async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await _subscribing.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_subscribed)
            {
                // A handler, not a queue: should a failed attempt leave a registration behind, a repeated
                // notification only reads an already deleted result, which is harmless.
                await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_replyChannel), OnReply).ConfigureAwait(false);
                _subscribed = true;
            }
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private void OnReply(RedisChannel channel, RedisValue message)
    {
        var jobId = (string?)message;
        if (jobId is not null && _waiters.TryGetValue(jobId, out var waiter))
        {
            _ = CompleteAsync(jobId, waiter);
        }
    }

    private async Task CompleteAsync(string jobId, Waiter waiter)
    {
        try
        {
            var response = await ReadResultAsync(jobId).ConfigureAwait(false);
            if (response is not null)
            {
                waiter.Completion.TrySetResult(response);
            }
        }
        catch (SegmentationException ex)
        {
            waiter.Completion.TrySetException(ex);
        }
        catch (RedisException ex)
        {
            // Leave the waiter: the reconnect sweep or the deadline read will find the result.
            QueueingLog.ResultReadFailed(_logger, ex, jobId);
        }
    }

    /// <summary>Reads and deletes a stored result; throws the stored error; null when none is stored.</summary>
    private async Task<SegmentResponse?> ReadResultAsync(string jobId)
    {
        var db = _redis.GetDatabase();
        var key = _keys.Result(jobId);
        var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
        if (fields.Length > 0)
        {
            _ = db.KeyDeleteAsync(key, CommandFlags.FireAndForget);
        }

        return JobResult.Read(fields);
    }

    private async Task WithdrawAsync(string jobId)
    {
        // A worker that already holds the entry finds no payload and skips it; others never see it.
        try
        {
            await _redis.GetDatabase().KeyDeleteAsync(_keys.Request(jobId)).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            QueueingLog.ResultReadFailed(_logger, ex, jobId);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Both connections report their return; resubmitting belongs to the one that carries commands.
        foreach (var (jobId, waiter) in _waiters)
        {
            _ = e.ConnectionType == ConnectionType.Interactive ? RecoverAsync(jobId, waiter) : CompleteAsync(jobId, waiter);
        }
    }

    /// <summary>
    /// After a reconnect: a result stored meanwhile answers the caller (its notification may have been lost); a job
    /// whose result and payload are both gone was lost with the server (a restart without persistence) and is
    /// submitted again under the same id, at least once: a worker that finishes it twice finds the result already
    /// stored, and the caller is answered once. Without time left for it the caller gets UNAVAILABLE now, not at
    /// its deadline.
    /// </summary>
    private async Task RecoverAsync(string jobId, Waiter waiter)
    {
        try
        {
            var response = await ReadResultAsync(jobId).ConfigureAwait(false);
            if (response is not null)
            {
                waiter.Completion.TrySetResult(response);
                return;
            }

            if (waiter.Completion.Task.IsCompleted || await _redis.GetDatabase().KeyExistsAsync(_keys.Request(jobId)).ConfigureAwait(false))
            {
                return; // answered meanwhile, or still queued or running
            }

            var remaining = waiter.DeadlineUtc - _time.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                return; // the deadline answers it
            }

            QueueingLog.Resubmitted(_logger, jobId, waiter.Request.CorrelationId);
            await EnqueueAsync(waiter.Request, jobId, waiter.DeadlineUtc, remaining, waiter.Trace).ConfigureAwait(false);
        }
        catch (SegmentationException ex)
        {
            waiter.Completion.TrySetException(ex); // a stored error, or the queue is full now
        }
        catch (RedisException ex)
        {
            QueueingLog.Unavailable(_logger, ex, Endpoint);
            waiter.Completion.TrySetException(QueueErrors.Unavailable(ex));
        }
    }
}
