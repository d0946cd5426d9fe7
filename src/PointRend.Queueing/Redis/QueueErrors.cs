using PointRend.Contracts;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>Every error the Redis queue reports, built in one place so messages name the limit, the value and the key.</summary>
internal static class QueueErrors
{
    public static SegmentationException Unavailable(string endpoint, Exception? inner = null) => new(
        SegmentationErrorKind.Unavailable,
        $"the job queue (Redis at {endpoint}) is not reachable{(inner is null ? string.Empty : $": {inner.Message}")}; retry later",
        inner: inner);

    public static SegmentationException Full(long length, int max) => new(
        SegmentationErrorKind.ResourceExhausted,
        $"the job queue is full ({length} jobs waiting or running, {QueueOptions.SectionName}:{nameof(QueueOptions.MaxLength)} = {max}); retry later");

    public static SegmentationException DeadlineExceeded(string requestId, string jobId) => new(
        SegmentationErrorKind.DeadlineExceeded, $"the deadline of request '{requestId}' (job {jobId}) passed before a worker answered");

    public static SegmentationException Cancelled(string requestId) => new(
        SegmentationErrorKind.Cancelled, $"request '{requestId}' was cancelled by the caller");

    public static SegmentationException ShuttingDown() => new(SegmentationErrorKind.Unavailable, "the gateway is shutting down");

    public static string GivenUp(string jobId, long deliveries, string consumer, TimeSpan claimIdle) =>
        $"job {jobId} was given up after {deliveries} deliveries (last to {consumer}); each worker died or froze for longer than " +
        $"{QueueOptions.SectionName}:{nameof(QueueOptions.ClaimIdle)} = {claimIdle} without finishing it";

    public static bool IsNoGroup(RedisServerException ex) => ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal);
}
