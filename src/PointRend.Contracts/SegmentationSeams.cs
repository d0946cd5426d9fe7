using PointRend.Contracts.V1;

namespace PointRend.Contracts;

/// <summary>Runs one request through decode, inference and encode. Gateway (embedded) and worker both call it.</summary>
public interface ISegmentProcessor
{
    /// <exception cref="SegmentationException">The request cannot be served; <see cref="SegmentationException.Kind"/> says why.</exception>
    SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Where the gateway sends work: the in-process pool (embedded default) or Redis streams (distributed), behind the
/// tiling, cache and fair-share decorators. Which queue runs depends only on whether <c>Redis:Configuration</c> is set.
/// </summary>
public interface ISegmentJobRunner
{
    /// <summary>Runs the request before <see cref="JobContext.DeadlineUtc"/>; throws <see cref="SegmentationException"/>
    /// with <see cref="SegmentationErrorKind.ResourceExhausted"/> at once when the queue is full.</summary>
    Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken);
}

/// <summary>What travels with a request besides its message: when its answer stops being useful, and whose it is.</summary>
/// <param name="DeadlineUtc">The caller's deadline (or the gateway's default).</param>
/// <param name="Caller">Who asked (the authenticated caller's name, or the peer address when authentication is off); empty for in-process callers such
/// as the CLI. Queues share their workers fairly between callers.</param>
public readonly record struct JobContext(DateTime DeadlineUtc, string Caller = "")
{
    /// <summary>In-process callers (CLI, benchmarks, tests) have a deadline and no caller identity.</summary>
    public static implicit operator JobContext(DateTime deadlineUtc) => new(deadlineUtc);
}

/// <summary>Why a request failed, independent of transport; the gateway maps it to a gRPC status code.</summary>
public enum SegmentationErrorKind
{
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    DeadlineExceeded,
    Cancelled,
    Unavailable,
    Internal,

    /// <summary>No credentials, or credentials that do not validate (the gateway's authentication).</summary>
    Unauthenticated,

    /// <summary>Valid credentials that do not allow the method called.</summary>
    PermissionDenied,
}

/// <summary>A request that cannot be served. <see cref="Exception.Message"/> is for the caller: it names the field,
/// the value and the limit, and never holds internal detail (that goes to <see cref="Exception.InnerException"/>
/// and the logs).</summary>
public sealed class SegmentationException(
    SegmentationErrorKind kind, ErrorReason reason, string message, string? field = null, Exception? inner = null, TimeSpan? retryAfter = null)
    : Exception(message, inner)
{
    public SegmentationErrorKind Kind { get; } = kind;

    /// <summary>Stable machine-readable cause, sent as google.rpc.ErrorInfo.reason.</summary>
    public ErrorReason Reason { get; } = reason;

    /// <summary>The request field at fault (proto path such as <c>options.points_per_step</c>), when one is.</summary>
    public string? Field { get; } = field;

    /// <summary>The missing resource's name (e.g. the model of MODEL_NOT_FOUND), when there is one.</summary>
    public string? ResourceName { get; init; }

    /// <summary>When a retry may succeed (RESOURCE_EXHAUSTED, UNAVAILABLE); null when retrying cannot help.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
