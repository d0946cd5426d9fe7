using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Gateway side of the distributed mode: stores the request under a short-lived key, adds a job entry to
/// <c>{p}:jobs</c> (refused when the stream is at <see cref="QueueOptions.MaxLength"/>), rings the workers' doorbell,
/// and waits for this process's reply channel to name the job. Key schema: <see cref="RedisKeys"/>.
/// </summary>
/// <remarks>
/// No polling: the only reads of a result are on its notification, after a reconnect (notifications sent while
/// the subscription was down are lost) and once at the deadline, for the same reason.
/// </remarks>
public sealed partial class RedisJobRunner : ISegmentJobRunner, IAsyncDisposable
{
    // Length check, payload, entry and doorbell in one round trip and atomically, so concurrent gateways cannot
    // overshoot the bound together. KEYS: stream, payload. ARGV: max, payload ttl ms, payload, job, reply, deadline,
    // enqueued, doorbell, traceparent, tracestate (the last two empty when the request has no trace; then no field).
    private const string EnqueueScript = """
        local length = redis.call('XLEN', KEYS[1])
        if length >= tonumber(ARGV[1]) then return -length - 1 end
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
        local fields = {'job', ARGV[4], 'payload', KEYS[2], 'reply', ARGV[5], 'deadline', ARGV[6], 'enqueued', ARGV[7]}
        if ARGV[9] ~= '' then
          table.insert(fields, 'traceparent'); table.insert(fields, ARGV[9])
          if ARGV[10] ~= '' then table.insert(fields, 'tracestate'); table.insert(fields, ARGV[10]) end
        end
        redis.call('XADD', KEYS[1], '*', unpack(fields))
        redis.call('PUBLISH', ARGV[8], '1')
        return length + 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly WorkerPresence _presence;
    private readonly IDisposable _sampling;
    private readonly RedisKeys _keys;
    private readonly QueueOptions _queue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _replyChannel;
    private readonly ConcurrentDictionary<string, Waiter> _waiters = new();
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private volatile bool _subscribed;
    private volatile bool _disposed;

    public RedisJobRunner(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<QueueOptions> queueOptions,
        WorkerPresence presence, ILogger<RedisJobRunner> logger, TimeProvider? time = null)
    {
        _redis = redis;
        _presence = presence;
        _keys = new RedisKeys(redisOptions.Value.KeyPrefix);
        _queue = queueOptions.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _replyChannel = _keys.ReplyChannel($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}");

        redis.ConnectionRestored += OnConnectionRestored;
        _sampling = QueueMetrics.SampleBeforeScrape(SampleQueueAsync);
    }

    /// <summary>Which workers are alive; a job is refused (NO_WORKERS) when none is.</summary>
    public WorkerPresence Presence => _presence;

    /// <summary>This process's reply channel (<c>{p}:replies:{gateway}</c>).</summary>
    public string ReplyChannel => _replyChannel;

    /// <summary>Jobs this gateway waits for.</summary>

    public bool IsConnected => _redis.IsConnected;

    public async Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken)
    {
        var deadlineUtc = context.DeadlineUtc;
        cancellationToken.ThrowIfCancellationRequested();
        var jobId = Guid.NewGuid().ToString("N");
        var remaining = deadlineUtc - _time.GetUtcNow().UtcDateTime;
        if (remaining <= TimeSpan.Zero)
        {
            throw QueueErrors.DeadlineExceeded(request.CorrelationId, jobId);
        }

        if (!_redis.IsConnected)
        {
            QueueMetrics.Refused.WithLabels("unavailable").Inc();
            QueueingLog.Unavailable(_logger, RedisFailures.Probe(_redis), Endpoint);
            throw QueueErrors.Unavailable();
        }

        if (!await _presence.AnyAliveAsync(cancellationToken).ConfigureAwait(false))
        {
            QueueMetrics.Refused.WithLabels("no_workers").Inc();
            throw QueueErrors.NoWorkers(_queue.WorkerLiveness);
        }

        // The span's context goes into the job entry, so the worker's spans join this request's trace.
        using var publish = JobTracing.StartPublish((string)_keys.Jobs!, jobId, request.CorrelationId);
        var waiter = new Waiter(request, deadlineUtc, JobTracing.Current());
        _waiters[jobId] = waiter;
        try
        {
            await EnsureSubscribedAsync().ConfigureAwait(false);
            await EnqueueAsync(request, jobId, deadlineUtc, remaining, waiter.Trace).ConfigureAwait(false);
            using var roundTrip = QueueMetrics.RoundTrip.NewTimer();
            try
            {
                return await waiter.Completion.Task.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The notification may have been lost in a reconnect; the stored result is the truth.
                return await ReadResultAsync(jobId).ConfigureAwait(false)
                    ?? throw QueueErrors.DeadlineExceeded(request.CorrelationId, jobId);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await WithdrawAsync(jobId).ConfigureAwait(false);
                throw QueueErrors.Cancelled(request.CorrelationId);
            }
        }
        catch (RedisException ex)
        {
            QueueMetrics.Refused.WithLabels("unavailable").Inc();
            QueueingLog.Unavailable(_logger, ex, Endpoint);
            throw QueueErrors.Unavailable(ex);
        }
        finally
        {
            _waiters.TryRemove(jobId, out _);
        }
    }

    private async Task EnqueueAsync(SegmentRequest request, string jobId, DateTime deadlineUtc, TimeSpan remaining, (string Parent, string State) trace)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var deadline = new DateTimeOffset(DateTime.SpecifyKind(deadlineUtc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

        // The payload outlives the deadline by a second so a worker that picked the job up just in time can still read it.
        var payloadTtl = (long)remaining.TotalMilliseconds + 1000;
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(EnqueueScript,
            [_keys.Jobs, _keys.Request(jobId)],
            [_queue.MaxLength, payloadTtl, request.ToByteArray(), jobId, _replyChannel, deadline, now, _keys.Doorbell.ToString(), trace.Parent, trace.State])
            .ConfigureAwait(false);
        var length = (long)result;
        if (length < 0)
        {
            QueueMetrics.Refused.WithLabels("full").Inc();
            throw QueueErrors.Full(-length - 1, _queue.MaxLength);
        }

        QueueMetrics.Enqueued.Inc();
        QueueingLog.Enqueued(_logger, jobId, request.CorrelationId, length);
    }

    /// <summary>Queue length and pending count for a scrape; left as they were when Redis cannot answer.</summary>
    private async Task SampleQueueAsync(CancellationToken cancellationToken)
    {
        if (_disposed || !_redis.IsConnected)
        {
            return;
        }

        try
        {
            var db = _redis.GetDatabase();
            QueueMetrics.Length.Set(await db.StreamLengthAsync(_keys.Jobs).ConfigureAwait(false));
            var pending = await db.StreamPendingAsync(_keys.Jobs, _queue.ConsumerGroup).ConfigureAwait(false);
            QueueMetrics.Pending.Set(pending.PendingMessageCount);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // no stream or group yet, or Redis just went away
        }
    }

    private string Endpoint => string.Join(",", _redis.GetEndPoints().Select(e => e.ToString()));

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _sampling.Dispose();
        _redis.ConnectionRestored -= OnConnectionRestored;
        foreach (var waiter in _waiters.Values)
        {
            waiter.Completion.TrySetException(QueueErrors.ShuttingDown());
        }

        try
        {
            if (_subscribed)
            {
                await _redis.GetSubscriber().UnsubscribeAsync(RedisChannel.Literal(_replyChannel), OnReply).ConfigureAwait(false);
            }
        }
        catch (RedisException)
        {
            // Redis gone: nothing to unsubscribe from.
        }
    }

    /// <summary>A caller waiting for its job; it keeps the request (and its trace) so a job Redis lost can be submitted again.</summary>
    private sealed class Waiter(SegmentRequest request, DateTime deadlineUtc, (string Parent, string State) trace)
    {
        public SegmentRequest Request => request;

        public (string Parent, string State) Trace => trace;

        public DateTime DeadlineUtc => deadlineUtc;

        public TaskCompletionSource<SegmentResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
