using System.Globalization;
using Google.Protobuf;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

public sealed partial class RedisJobConsumer
{
    private async Task HandleAsync(StreamEntry entry, long deliveries)
    {
        var db = _redis.GetDatabase();
        var job = JobEntry.Parse(entry);
        if (job is null)
        {
            QueueingLog.Malformed(_logger, entry.Id.ToString());
            await DropAsync(db, entry.Id, payload: null).ConfigureAwait(false);
            return;
        }

        if (deliveries > _queue.MaxDeliveries)
        {
            var reason = QueueErrors.GivenUp(job.Id, deliveries - 1, ConsumerName, _queue.ClaimIdle);
            QueueingLog.GivenUp(_logger, job.Id, deliveries - 1);
            QueueMetrics.Processed.WithLabels("given_up").Inc();
            await FinishAsync(entry.Id, job, JobResult.Failure(SegmentationErrorKind.Internal, ErrorReason.Internal, QueueErrors.GivenUpForCaller(job.Id, deliveries - 1)),
                new DeadLetter(reason, SegmentationErrorKind.Internal, deliveries - 1)).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now >= job.DeadlineMs)
        {
            QueueingLog.Expired(_logger, job.Id, now - job.DeadlineMs);
            QueueMetrics.Processed.WithLabels("expired").Inc();
            await DropAsync(db, entry.Id, job.Payload).ConfigureAwait(false);
            return;
        }

        var payload = await db.StringGetAsync(job.Payload).ConfigureAwait(false);
        if (payload.IsNull)
        {
            QueueingLog.Withdrawn(_logger, job.Id);
            QueueMetrics.Processed.WithLabels("withdrawn").Inc();
            await DropAsync(db, entry.Id, job.Payload).ConfigureAwait(false);
            return;
        }

        // The gateway's trace goes on here: the wait in the stream, then this worker's work, under its publish span.
        var parent = JobTracing.Parent(job.TraceParent, job.TraceState);
        JobTracing.RecordWait(parent, job.Id, DateTimeOffset.FromUnixTimeMilliseconds(job.EnqueuedMs), DateTimeOffset.FromUnixTimeMilliseconds(now));
        using var process = JobTracing.StartProcess(parent, (string)_keys.Jobs!, job.Id, deliveries);
        var (result, dead) = await RunAsync(entry.Id, job, (byte[])payload!, now, deliveries).ConfigureAwait(false);
        await FinishAsync(entry.Id, job, result, dead).ConfigureAwait(false);
    }

    private async Task<(HashEntry[] Result, DeadLetter? Dead)> RunAsync(RedisValue entryId, JobEntry job, byte[] payload, long now, long deliveries)
    {
        SegmentRequest request;
        try
        {
            request = SegmentRequest.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Gateways only enqueue requests they parsed: unreadable bytes mean a broken queue, a system failure.
            var message = $"job {job.Id} carries no valid SegmentRequest: {ex.Message}";
            QueueingLog.JobFailed(_logger, ex, job.Id, string.Empty);
            return (JobResult.Failure(SegmentationErrorKind.Internal, ErrorReason.Internal, QueueErrors.WorkerFailed(string.Empty, job.Id)),
                new DeadLetter(message, SegmentationErrorKind.Internal, 1));
        }

        // A job taken over from a dead worker whose caller has less time left than a run takes would only burn a core
        // and answer at the deadline: answered now instead. The caller's budget ran out, not the system, so no dead letter.
        var remaining = TimeSpan.FromMilliseconds(job.DeadlineMs - now);
        if (deliveries > 1 && _runTimes.For(request) is { } expected && remaining < expected)
        {
            QueueingLog.NoTimeForRerun(_logger, job.Id, (long)remaining.TotalMilliseconds, (long)expected.TotalMilliseconds);
            QueueMetrics.Processed.WithLabels("no_time_for_rerun").Inc();
            return (JobResult.Failure(QueueErrors.NoTimeForRerun(request.CorrelationId, job.Id, remaining, expected)), null);
        }

        using var deadline = new CancellationTokenSource(remaining, _time);
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(entryId, stopHeartbeat.Token);
        using var modelTime = QueueMetrics.ModelTime.NewTimer();
        try
        {
            var started = _time.GetTimestamp();

            // Off the thread pool, as in InProcessJobRunner: the heartbeat and the deadline timer must keep ticking meanwhile.
            var response = await Task.Factory.StartNew(
                () => _processor.Process(request, deadline.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .ConfigureAwait(false);
            _runTimes.Record(request, _time.GetElapsedTime(started));
            response.Timings ??= new Timings();
            response.Timings.QueueMs = now - job.EnqueuedMs;
            QueueMetrics.Processed.WithLabels("ok").Inc();
            QueueMetrics.CountInstances(response);
            return (JobResult.Success(response), null);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && ex is OperationCanceledException or SegmentationException)
        {
            QueueingLog.Expired(_logger, job.Id, 0);
            QueueMetrics.Processed.WithLabels("deadline").Inc();
            return (JobResult.Failure(QueueErrors.DeadlinePassedWhileRunning(request.CorrelationId, job.Id)), null);
        }
        catch (SegmentationException ex) when (ex.Kind != SegmentationErrorKind.Internal)
        {
            // The caller's fault, found only in the pixels (the gateway checked everything else): answered, and the
            // dead-letter stream stays for jobs the system failed. Deterministic, so no retry on another worker.
            QueueingLog.Rejected(_logger, job.Id, request.CorrelationId, ex.Kind, ex.Message);
            QueueMetrics.Processed.WithLabels("rejected").Inc();
            return (JobResult.Failure(ex), null);
        }
        catch (Exception ex)
        {
            QueueingLog.JobFailed(_logger, ex, job.Id, request.CorrelationId);
            QueueMetrics.Processed.WithLabels("failed").Inc();
            var detail = $"the worker failed on request '{request.CorrelationId}' (job {job.Id}): {ex.GetType().Name}: {ex.Message}";
            return (JobResult.Failure(SegmentationErrorKind.Internal, ErrorReason.Internal, QueueErrors.WorkerFailed(request.CorrelationId, job.Id)),
                new DeadLetter(detail, SegmentationErrorKind.Internal, 1));
        }
        finally
        {
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the claim fresh while the job runs, so only a dead or frozen worker's job is reclaimed.</summary>
    private async Task HeartbeatAsync(RedisValue entryId, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_queue.Heartbeat, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    // JUSTID resets the idle time without counting a delivery.
                    await _redis.GetDatabase().StreamClaimIdsOnlyAsync(_keys.Jobs, _queue.ConsumerGroup, ConsumerName, 0, [entryId]).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    QueueingLog.RedisFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stores the result, notifies the gateway, records a dead letter and retires the entry: all or nothing.</summary>
    private async Task FinishAsync(RedisValue entryId, JobEntry job, HashEntry[] result, DeadLetter? dead)
    {
        var db = _redis.GetDatabase();
        var resultKey = _keys.Result(job.Id);
        var tran = db.CreateTransaction();

        // A reclaimed job whose first worker was only slow may finish twice; the first answer wins.
        tran.AddCondition(Condition.KeyNotExists(resultKey));
        _ = tran.HashSetAsync(resultKey, result);
        _ = tran.KeyExpireAsync(resultKey, _queue.ResultTtl);
        if (dead is not null)
        {
            _ = tran.StreamAddAsync(_keys.DeadLetters, DeadLetterFields(job, dead), maxLength: _queue.DeadLetterMaxLength, useApproximateMaxLength: true);
        }

        _ = tran.StreamAcknowledgeAsync(_keys.Jobs, _queue.ConsumerGroup, entryId);
        _ = tran.StreamDeleteAsync(_keys.Jobs, [entryId]);
        _ = tran.KeyDeleteAsync(job.Payload);
        _ = tran.PublishAsync(RedisChannel.Literal(job.Reply), job.Id);
        if (!await tran.ExecuteAsync().ConfigureAwait(false))
        {
            await DropAsync(db, entryId, job.Payload).ConfigureAwait(false);
        }
        else if (dead is not null)
        {
            QueueMetrics.DeadLetters.WithLabels(dead.Kind.ToString()).Inc();
        }
    }

    private async Task DropAsync(IDatabase db, RedisValue entryId, RedisKey? payload)
    {
        var tran = db.CreateTransaction();
        _ = tran.StreamAcknowledgeAsync(_keys.Jobs, _queue.ConsumerGroup, entryId);
        _ = tran.StreamDeleteAsync(_keys.Jobs, [entryId]);
        if (payload is { } key)
        {
            _ = tran.KeyDeleteAsync(key);
        }

        await tran.ExecuteAsync().ConfigureAwait(false);
    }

    private NameValueEntry[] DeadLetterFields(JobEntry job, DeadLetter dead) =>
    [
        new(JobFields.Job, job.Id),
        new(JobFields.Reason, dead.Reason),
        new(JobFields.Kind, dead.Kind.ToString()),
        new(JobFields.Deliveries, dead.Deliveries),
        new(JobFields.Consumer, ConsumerName),
        new(JobFields.Deadline, job.DeadlineMs),
        new(JobFields.At, _time.GetUtcNow().ToUnixTimeMilliseconds()),
    ];

    private sealed record DeadLetter(string Reason, SegmentationErrorKind Kind, long Deliveries);

    private sealed record JobEntry(string Id, RedisKey Payload, string Reply, long DeadlineMs, long EnqueuedMs, string? TraceParent, string? TraceState)
    {
        public static JobEntry? Parse(StreamEntry entry)
        {
            var id = (string?)entry[JobFields.Job];
            var payload = (string?)entry[JobFields.Payload];
            var reply = (string?)entry[JobFields.Reply];
            if (id is null || payload is null || reply is null
                || !long.TryParse((string?)entry[JobFields.Deadline], NumberStyles.Integer, CultureInfo.InvariantCulture, out var deadline))
            {
                return null;
            }

            _ = long.TryParse((string?)entry[JobFields.Enqueued], NumberStyles.Integer, CultureInfo.InvariantCulture, out var enqueued);
            return new JobEntry(id, payload, reply, deadline, enqueued, (string?)entry[JobFields.TraceParent], (string?)entry[JobFields.TraceState]);
        }
    }
}
