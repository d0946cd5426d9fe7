using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Every error the Redis queue reports, built in one place so messages name the limit, the value and the key. What a
/// caller reads never holds the Redis address or client internals; those stay in the inner exception for the logs.
/// </summary>
internal static class QueueErrors
{
    /// <summary>Long enough for a Redis restart or failover to finish.</summary>
    public static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(2);

    public static SegmentationException Unavailable(Exception? inner = null) => new(
        SegmentationErrorKind.Unavailable, ErrorReason.BackendUnavailable, "the job queue is not reachable; retry later", inner: inner, retryAfter: UnavailableRetry);

    public static SegmentationException NoWorkers(TimeSpan liveness) => new(
        SegmentationErrorKind.Unavailable,
        ErrorReason.NoWorkers,
        $"no worker is alive to take the job (none has reported within {QueueOptions.SectionName}:{nameof(QueueOptions.WorkerLiveness)} = {liveness}); retry later",
        retryAfter: liveness);

    public static SegmentationException Full(long length, int max) => new(
        SegmentationErrorKind.ResourceExhausted,
        ErrorReason.QueueFull,
        $"the job queue is full ({length} jobs waiting or running, {QueueOptions.SectionName}:{nameof(QueueOptions.MaxLength)} = {max}); retry later",
        retryAfter: TimeSpan.FromSeconds(1));

    public static SegmentationException DeadlineExceeded(string correlationId, string jobId) => new(
        SegmentationErrorKind.DeadlineExceeded, ErrorReason.DeadlineExceeded, $"the deadline of request '{correlationId}' (job {jobId}) passed before a worker answered");

    public static SegmentationException DeadlinePassedWhileRunning(string correlationId, string jobId) => new(
        SegmentationErrorKind.DeadlineExceeded, ErrorReason.DeadlineExceeded, $"the deadline of request '{correlationId}' (job {jobId}) passed while it ran");

    public static SegmentationException NoTimeForRerun(string correlationId, string jobId, TimeSpan remaining, TimeSpan expected) => new(
        SegmentationErrorKind.DeadlineExceeded,
        ErrorReason.DeadlineExceeded,
        $"the worker running request '{correlationId}' (job {jobId}) died; the remaining {(long)remaining.TotalMilliseconds} ms of its deadline " +
        $"cannot fit a rerun of ~{(long)expected.TotalMilliseconds} ms, so it is answered now; retry with a longer deadline");

    public static SegmentationException Cancelled(string correlationId) => new(
        SegmentationErrorKind.Cancelled, ErrorReason.Cancelled, $"request '{correlationId}' was cancelled by the caller");

    public static SegmentationException ShuttingDown() => new(
        SegmentationErrorKind.Unavailable, ErrorReason.BackendUnavailable, "the gateway is shutting down; retry on another instance", retryAfter: TimeSpan.FromSeconds(1));

    public static string WorkerFailed(string correlationId, string jobId) =>
        $"a worker failed on request '{correlationId}' (job {jobId}); the job is kept in the dead-letter stream for the operators";

    public static string GivenUpForCaller(string jobId, long deliveries) =>
        $"job {jobId} was given up after {deliveries} deliveries: each worker that took it stopped before finishing it; it is kept in the dead-letter stream";

    public static string GivenUp(string jobId, long deliveries, string consumer, TimeSpan claimIdle) =>
        $"job {jobId} was given up after {deliveries} deliveries (last to {consumer}); each worker died or froze for longer than " +
        $"{QueueOptions.SectionName}:{nameof(QueueOptions.ClaimIdle)} = {claimIdle} without finishing it";

    public static bool IsNoGroup(RedisServerException ex) => ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal);
}
