using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Which workers are alive, from the presence beats they write to <c>{p}:workers</c> (<see cref="RedisKeys"/>).
/// Workers beat with <see cref="BeatAsync"/>; gateways read <see cref="LiveSlots"/>, kept fresh by a timer, so a
/// cluster without workers answers NOT_SERVING and UNAVAILABLE at once instead of letting callers wait out deadlines.
/// </summary>
public sealed class WorkerPresence : IHealthCheck, IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly QueueOptions _queue;
    private readonly TimeProvider _time;
    private ITimer? _refresh;
    private volatile int _live;

    public WorkerPresence(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<QueueOptions> queueOptions, TimeProvider? time = null)
    {
        _redis = redis;
        _keys = new RedisKeys(redisOptions.Value.KeyPrefix);
        _queue = queueOptions.Value;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Jobs the workers seen alive at the last refresh (at most one presence beat ago) can run at once: each beats with
    /// its <see cref="QueueOptions.WorkerConcurrency"/>. Fair sharing gives each caller this many places in the stream.
    /// </summary>
    public int LiveSlots
    {
        get
        {
            // Started on first use, so a worker process (which only beats) runs no refresh timer.
            _refresh ??= _time.CreateTimer(static s => _ = ((WorkerPresence)s!).RefreshAsync(), this, TimeSpan.Zero, _queue.PresenceBeat);
            return _live;
        }
    }

    /// <summary>Counts live workers now (one round trip) and prunes dead ones; 0 when Redis is unreachable.</summary>
    public async Task<int> RefreshAsync()
    {
        try
        {
            var db = _redis.GetDatabase();
            var oldest = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_queue.WorkerLiveness.TotalMilliseconds;
            await db.SortedSetRemoveRangeByScoreAsync(_keys.Workers, double.NegativeInfinity, oldest, Exclude.Stop).ConfigureAwait(false);
            var members = await db.SortedSetRangeByRankAsync(_keys.Workers).ConfigureAwait(false);
            _live = members.Sum(m => Slots(m));
        }
        catch (RedisException)
        {
            _live = 0; // reported by the Redis health check and the queue's own UNAVAILABLE
        }

        return _live;
    }

    /// <summary>
    /// True once a worker is alive, looking again for up to one and a half presence beats: after a Redis restart the
    /// set is empty until each worker's next beat, and a caller should not be refused for that gap.
    /// </summary>
    public async Task<bool> AnyAliveAsync(CancellationToken cancellationToken)
    {
        if (LiveSlots > 0)
        {
            return true;
        }

        var until = _time.GetUtcNow() + (_queue.PresenceBeat * 1.5);
        while (await RefreshAsync().ConfigureAwait(false) == 0)
        {
            if (_time.GetUtcNow() >= until)
            {
                return false;
            }

            await Task.Delay(_queue.PresenceBeat / 4, _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Consumer names of the workers alive now (beaten within <see cref="QueueOptions.WorkerLiveness"/>).</summary>
    public async Task<HashSet<string>> AliveConsumersAsync()
    {
        var oldest = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_queue.WorkerLiveness.TotalMilliseconds;
        var members = await _redis.GetDatabase().SortedSetRangeByScoreAsync(_keys.Workers, oldest, double.PositiveInfinity).ConfigureAwait(false);
        return members.Select(m => ((string?)m ?? string.Empty).Split(':', 2)[^1]).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Worker side: beats until <paramref name="stoppingToken"/> fires, then leaves at once.</summary>
    public async Task BeatAsync(string consumer, CancellationToken stoppingToken)
    {
        var db = _redis.GetDatabase();
        while (!stoppingToken.IsCancellationRequested)
        {
            await BeatOnceAsync(consumer).ConfigureAwait(false);

            try
            {
                await Task.Delay(_queue.PresenceBeat, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await db.SortedSetRemoveAsync(_keys.Workers, Member(consumer)).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Ages out after Queue:WorkerLiveness.
        }
    }

    /// <summary>One beat now; also called when a worker (re)joins its group, so it counts at once.</summary>
    public async Task BeatOnceAsync(string consumer)
    {
        try
        {
            await _redis.GetDatabase().SortedSetAddAsync(_keys.Workers, Member(consumer), _time.GetUtcNow().ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Redis is away; the job loop reports it. Beat again on the next tick.
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var live = await RefreshAsync().ConfigureAwait(false);
        return live > 0
            ? HealthCheckResult.Healthy($"workers alive with {live} job slots")
            : HealthCheckResult.Unhealthy($"no worker has beaten within {QueueOptions.SectionName}:{nameof(QueueOptions.WorkerLiveness)} = {_queue.WorkerLiveness}");
    }

    public void Dispose() => _refresh?.Dispose();

    /// <summary>"{slots}:{consumer}": the member says how many jobs that worker runs at once.</summary>
    private string Member(string consumer) => $"{_queue.EffectiveWorkerConcurrency}:{consumer}";

    private static int Slots(RedisValue member)
    {
        var text = (string?)member ?? string.Empty;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(text.AsSpan(0, colon), out var slots) && slots > 0 ? slots : 1;
    }
}
