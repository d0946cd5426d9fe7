using Microsoft.Extensions.Logging;
using PointRend.Contracts;

namespace PointRend.Queueing;

internal static partial class QueueingLog
{
    [LoggerMessage(101, LogLevel.Debug, "Enqueued job {JobId} for request {CorrelationId}; {Length} jobs outstanding", EventName = "JobEnqueued")]
    public static partial void Enqueued(ILogger logger, string jobId, string correlationId, long length);

    [LoggerMessage(102, LogLevel.Warning, "Could not read the result of job {JobId}; will retry on reconnect or at the deadline", EventName = "ResultReadFailed")]
    public static partial void ResultReadFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(103, LogLevel.Warning, "Redis command failed; retrying after the safety poll", EventName = "RedisFailed")]
    private static partial void CommandFailed(ILogger logger, Exception exception);

    [LoggerMessage(118, LogLevel.Error,
        "Redis refused this process's credentials (authentication failure): check the password, and user= for an ACL user, in Redis:Configuration; retrying after the safety poll",
        EventName = "RedisAuthenticationFailedRetrying")]
    private static partial void CommandRefusedCredentials(ILogger logger, Exception exception);

    /// <summary>A worker's failed command: an outage (warning, heals on its own) or refused credentials (error, needs the configuration fixed).</summary>
    public static void RedisFailed(ILogger logger, Exception exception)
    {
        if (Redis.RedisFailures.IsAuthentication(exception))
        {
            CommandRefusedCredentials(logger, exception);
        }
        else
        {
            CommandFailed(logger, exception);
        }
    }

    [LoggerMessage(104, LogLevel.Information, "Consumer {Consumer} reading group {Group} of {Stream}", EventName = "ConsumerJoined")]
    public static partial void Joined(ILogger logger, string consumer, string group, string stream);

    [LoggerMessage(105, LogLevel.Warning, "Job {JobId} reclaimed by {Consumer} (delivery {Deliveries})", EventName = "JobReclaimed")]
    public static partial void Reclaimed(ILogger logger, string jobId, string consumer, long deliveries);

    [LoggerMessage(114, LogLevel.Warning, "Job {JobId} reclaimed from dead worker {DeadConsumer} by {Consumer} (delivery {Deliveries})", EventName = "JobReclaimedFromDeadWorker")]
    public static partial void ReclaimedFromDead(ILogger logger, string jobId, string deadConsumer, string consumer, long deliveries);

    [LoggerMessage(115, LogLevel.Warning, "Job {JobId} (request {CorrelationId}) was lost with a Redis restart; submitted again", EventName = "JobResubmitted")]
    public static partial void Resubmitted(ILogger logger, string jobId, string correlationId);

    [LoggerMessage(106, LogLevel.Warning, "Stream entry {EntryId} is not a job; dropped", EventName = "MalformedEntry")]
    public static partial void Malformed(ILogger logger, string entryId);

    [LoggerMessage(107, LogLevel.Error, "Job {JobId} given up after {Deliveries} deliveries; moved to the dead-letter stream", EventName = "JobGivenUp")]
    public static partial void GivenUp(ILogger logger, string jobId, long deliveries);

    [LoggerMessage(108, LogLevel.Information, "Job {JobId} skipped: its deadline passed {LateMs} ms ago", EventName = "JobExpired")]
    public static partial void Expired(ILogger logger, string jobId, long lateMs);

    [LoggerMessage(121, LogLevel.Information, "Job {JobId} answered DEADLINE_EXCEEDED on takeover: {RemainingMs} ms left cannot fit a rerun of ~{ExpectedMs} ms", EventName = "NoTimeForRerun")]
    public static partial void NoTimeForRerun(ILogger logger, string jobId, long remainingMs, long expectedMs);

    [LoggerMessage(109, LogLevel.Information, "Job {JobId} skipped: withdrawn by its caller", EventName = "JobWithdrawn")]
    public static partial void Withdrawn(ILogger logger, string jobId);

    [LoggerMessage(110, LogLevel.Information, "Job {JobId} (request {CorrelationId}) refused with {Kind}: {Message}", EventName = "JobRejected")]
    public static partial void Rejected(ILogger logger, string jobId, string correlationId, SegmentationErrorKind kind, string message);

    [LoggerMessage(111, LogLevel.Error, "Job {JobId} (request {CorrelationId}) failed unexpectedly; moved to the dead-letter stream", EventName = "JobFailed")]
    public static partial void JobFailed(ILogger logger, Exception exception, string jobId, string correlationId);

    [LoggerMessage(113, LogLevel.Warning, "Redis at {Endpoint} is not reachable; refusing the request with UNAVAILABLE", EventName = "QueueUnreachable")]
    public static partial void Unreachable(ILogger logger, Exception? exception, string endpoint);

    /// <remarks>Error, not warning: unlike an outage it does not heal until the configuration is fixed.</remarks>
    [LoggerMessage(116, LogLevel.Error,
        "Redis at {Endpoint} refused this process's credentials (authentication failure): check the password, and user= for an ACL user, in Redis:Configuration; refusing the request with UNAVAILABLE",
        EventName = "RedisAuthenticationFailed")]
    public static partial void AuthenticationFailed(ILogger logger, Exception? exception, string endpoint);

    [LoggerMessage(117, LogLevel.Error,
        "Redis at {Endpoint} refused this process's credentials (authentication failure) at start: check the password, and user= for an ACL user, in Redis:Configuration",
        EventName = "RedisAuthenticationFailedAtStart")]
    public static partial void AuthenticationFailedAtStart(ILogger logger, Exception? exception, string endpoint);

    /// <summary>Unreachable or refusing our credentials: logged as the one it is.</summary>
    public static void Unavailable(ILogger logger, Exception? exception, string endpoint)
    {
        if (Redis.RedisFailures.IsAuthentication(exception))
        {
            AuthenticationFailed(logger, exception, endpoint);
        }
        else
        {
            Unreachable(logger, exception, endpoint);
        }
    }

    [LoggerMessage(120, LogLevel.Warning, "Result cache unavailable for {Key}; serving without it", EventName = "CacheFailed")]
    public static partial void CacheFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(112, LogLevel.Error, "Consumer {Consumer} failed outside a job; retrying after the safety poll", EventName = "ConsumerLoopFailed")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string consumer);
}
