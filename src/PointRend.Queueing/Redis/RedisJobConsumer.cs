using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Worker side of the distributed mode: reads <c>{p}:jobs</c> through the consumer group without BLOCK (the
/// multiplexer is shared), woken by the doorbell channel or the <see cref="QueueOptions.SafetyPoll"/>. Reclaims
/// jobs idle past <see cref="QueueOptions.ClaimIdle"/> before taking new ones. Key schema: <see cref="RedisKeys"/>.
/// </summary>
/// <remarks>
/// Outcomes: a result (or the processor's error) is stored, the gateway notified, the entry acknowledged and deleted,
/// all in one transaction, so a job is answered once or not at all. Jobs past their deadline or withdrawn by their
/// caller are dropped unprocessed. Dead letters record jobs that ended without a response while the caller still
/// waited: rejected by the processor (a poisoned image: answered at once with its error, never retried, since the
/// same bytes fail the same way), failed unexpectedly, or delivered more than <see cref="QueueOptions.MaxDeliveries"/>
/// times because their workers kept dying.
/// </remarks>
public sealed partial class RedisJobConsumer : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly WorkerPresence _presence;
    private readonly ISegmentProcessor _processor;
    private readonly RedisKeys _keys;
    private readonly QueueOptions _queue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _doorbell = new(0, 1);
    private readonly RunTimeEstimate _runTimes = new();
    private DateTimeOffset _nextDeadCheck;
    private volatile bool _doorbellSubscribed;

    public RedisJobConsumer(IConnectionMultiplexer redis, ISegmentProcessor processor, IOptions<RedisOptions> redisOptions,
        IOptions<QueueOptions> queueOptions, WorkerPresence presence, ILogger<RedisJobConsumer> logger, TimeProvider? time = null)
    {
        _redis = redis;
        _presence = presence;
        _processor = processor;
        _keys = new RedisKeys(redisOptions.Value.KeyPrefix);
        _queue = queueOptions.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        ConsumerName = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// <summary>This process's consumer in the group; unique per start, so a restarted worker never inherits a dead one's jobs except by reclaim.</summary>
    public string ConsumerName { get; }

    /// <summary>Models this worker serves (name → version) published to <c>{p}:models</c> for the gateway's cache keys.</summary>
    public IReadOnlyDictionary<string, string> Models { get; set; } = new Dictionary<string, string>();

    public void Dispose() => _doorbell.Dispose();

    /// <summary>Runs until <paramref name="stoppingToken"/> fires; a job in progress is finished first (its own deadline bounds it).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            var loops = Enumerable.Range(0, _queue.EffectiveWorkerConcurrency).Select(_ => Task.Run(() => LoopAsync(stoppingToken)))
                .Append(_presence.BeatAsync(ConsumerName, stoppingToken)).ToArray();
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            await LeaveGroupAsync().ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var ready = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!ready)
                {
                    await SubscribeDoorbellAsync().ConfigureAwait(false);
                    await JoinAsync().ConfigureAwait(false);
                    ready = true;
                }

                // A restarted worker assumes a backlog: look before sleeping, every time.
                if (await TakeOneAsync().ConfigureAwait(false))
                {
                    continue;
                }
            }
            catch (RedisServerException ex) when (QueueErrors.IsNoGroup(ex))
            {
                ready = false; // Redis restarted empty; the group is recreated on the next pass
                continue;
            }
            catch (RedisException ex)
            {
                QueueingLog.RedisFailed(_logger, ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep the worker alive: the entry stays pending, is reclaimed and, if it keeps failing, dead-lettered.
                QueueingLog.LoopFailed(_logger, ex, ConsumerName);
            }

            try
            {
                await _doorbell.WaitAsync(_queue.SafetyPoll, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Once per process, retried until it works: a worker started before Redis keeps polling meanwhile.</summary>
    private async Task SubscribeDoorbellAsync()
    {
        if (_doorbellSubscribed)
        {
            return;
        }

        lock (_doorbell)
        {
            if (_doorbellSubscribed)
            {
                return;
            }

            _doorbellSubscribed = true; // set first: concurrent loops must not subscribe twice
        }

        try
        {
            await _redis.GetSubscriber().SubscribeAsync(_keys.Doorbell, (_, _) => Ring()).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            _doorbellSubscribed = false;
            throw;
        }
    }

    private async Task JoinAsync()
    {
        var db = _redis.GetDatabase();
        try
        {
            // At 0, not $: jobs added before the group existed (a fresh Redis) must still be served.
            await db.StreamCreateConsumerGroupAsync(_keys.Jobs, _queue.ConsumerGroup, "0-0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // another worker created it
        }

        if (Models.Count > 0)
        {
            await db.HashSetAsync(_keys.Models, Models.Select(m => new HashEntry(m.Key, m.Value)).ToArray()).ConfigureAwait(false);
        }

        await _presence.BeatOnceAsync(ConsumerName).ConfigureAwait(false);
        QueueingLog.Joined(_logger, ConsumerName, _queue.ConsumerGroup, (string)_keys.Jobs!);
    }

    /// <summary>Handles one reclaimed or new job; false when there was none.</summary>
    private async Task<bool> TakeOneAsync()
    {
        var db = _redis.GetDatabase();
        if (await ClaimFromDeadWorkerAsync(db).ConfigureAwait(false) is { } orphan)
        {
            QueueingLog.ReclaimedFromDead(_logger, (string?)orphan.Entry[JobFields.Job] ?? "?", orphan.From, ConsumerName, orphan.Deliveries);
            QueueMetrics.Reclaimed.Inc();
            PassTheBell();
            await HandleAsync(orphan.Entry, orphan.Deliveries).ConfigureAwait(false);
            return true;
        }

        var claimed = await db.StreamAutoClaimAsync(_keys.Jobs, _queue.ConsumerGroup, ConsumerName,
            (long)_queue.ClaimIdle.TotalMilliseconds, "0-0", 1).ConfigureAwait(false);
        if (claimed.ClaimedEntries.Length > 0 && !claimed.ClaimedEntries[0].IsNull)
        {
            var entry = claimed.ClaimedEntries[0];
            var pending = await db.StreamPendingMessagesAsync(_keys.Jobs, _queue.ConsumerGroup, 1, RedisValue.Null, entry.Id, entry.Id).ConfigureAwait(false);
            var deliveries = pending.Length > 0 ? pending[0].DeliveryCount : 2;
            QueueingLog.Reclaimed(_logger, (string?)entry[JobFields.Job] ?? "?", ConsumerName, deliveries);
            QueueMetrics.Reclaimed.Inc();
            PassTheBell();
            await HandleAsync(entry, deliveries).ConfigureAwait(false);
            return true;
        }

        var entries = await db.StreamReadGroupAsync(_keys.Jobs, _queue.ConsumerGroup, ConsumerName, StreamPosition.NewMessages, 1).ConfigureAwait(false);
        if (entries.Length == 0)
        {
            return false;
        }

        PassTheBell();
        await HandleAsync(entries[0], 1).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A job held by a consumer whose presence beats stopped (killed, OOM, node lost) is taken over as soon as the
    /// worker counts as dead (<see cref="QueueOptions.WorkerLiveness"/>, 5 s by default), not after
    /// <see cref="QueueOptions.ClaimIdle"/>, which at its default equals the default deadline: callers would expire first.
    /// ClaimIdle stays the fallback for a worker that beats but no longer renews its claims (a frozen job thread).
    /// </summary>
    private async Task<(StreamEntry Entry, string From, long Deliveries)?> ClaimFromDeadWorkerAsync(IDatabase db)
    {
        var now = _time.GetUtcNow();
        if (now < _nextDeadCheck)
        {
            return null;
        }

        _nextDeadCheck = now + _queue.PresenceBeat;
        var holders = (await db.StreamPendingAsync(_keys.Jobs, _queue.ConsumerGroup).ConfigureAwait(false)).Consumers;
        if (holders.Length == 0)
        {
            return null;
        }

        var alive = await _presence.AliveConsumersAsync().ConfigureAwait(false);
        foreach (var holder in holders.Where(h => h.PendingMessageCount > 0 && h.Name != ConsumerName && !alive.Contains(h.Name!)))
        {
            var pending = await db.StreamPendingMessagesAsync(_keys.Jobs, _queue.ConsumerGroup, 1, holder.Name).ConfigureAwait(false);
            if (pending.Length == 0)
            {
                continue;
            }

            // The idle bound keeps two workers from both taking it: after one claims, the entry is idle 0 again.
            var minIdle = (long)_queue.WorkerLiveness.TotalMilliseconds;
            var entries = await db.StreamClaimAsync(_keys.Jobs, _queue.ConsumerGroup, ConsumerName, minIdle, [pending[0].MessageId]).ConfigureAwait(false);
            if (entries.Length > 0 && !entries[0].IsNull)
            {
                _nextDeadCheck = now; // there may be more: look again on the next pass
                return (entries[0], holder.Name!, pending[0].DeliveryCount + 1);
            }
        }

        return null;
    }

    /// <summary>
    /// One doorbell wakes one loop; a loop that found work wakes the next, so a burst reaches every idle loop of this
    /// process at once instead of one per safety poll.
    /// </summary>
    private void PassTheBell()
    {
        if (_queue.EffectiveWorkerConcurrency > 1)
        {
            Ring();
        }
    }

    private void Ring()
    {
        // One pending wake-up is enough: the loop drains the stream before it sleeps again.
        try
        {
            if (_doorbell.CurrentCount == 0)
            {
                _doorbell.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private async Task LeaveGroupAsync()
    {
        // Only a consumer with nothing pending may go; otherwise its jobs stay for XAUTOCLAIM.
        try
        {
            var db = _redis.GetDatabase();
            var mine = await db.StreamPendingMessagesAsync(_keys.Jobs, _queue.ConsumerGroup, 1, ConsumerName).ConfigureAwait(false);
            if (mine.Length == 0)
            {
                await db.StreamDeleteConsumerAsync(_keys.Jobs, _queue.ConsumerGroup, ConsumerName).ConfigureAwait(false);
            }
        }
        catch (RedisException)
        {
            // Redis gone; the consumer entry is harmless.
        }
    }
}
