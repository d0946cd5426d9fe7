using PointRend.Contracts.V1;

namespace PointRend.Contracts;

/// <summary>Runs one request through decode, inference and encode. Gateway (embedded) and worker both call it.</summary>
public interface ISegmentProcessor
{
    /// <exception cref="SegmentationException">The request cannot be served; <see cref="SegmentationException.Kind"/> says why.</exception>
    SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Where the gateway sends work: the in-process pool (embedded default) or Redis streams (distributed).
/// Which one runs depends only on whether <c>Redis:Configuration</c> is set.
/// </summary>
public interface ISegmentJobRunner
{
    /// <summary>Runs the request before <paramref name="deadlineUtc"/>; throws <see cref="SegmentationException"/>
    /// with <see cref="SegmentationErrorKind.ResourceExhausted"/> at once when the queue is full.</summary>
    Task<SegmentResponse> RunAsync(SegmentRequest request, DateTime deadlineUtc, CancellationToken cancellationToken);
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
}

public sealed class SegmentationException(SegmentationErrorKind kind, string message, string? field = null, Exception? inner = null)
    : Exception(message, inner)
{
    public SegmentationErrorKind Kind { get; } = kind;

    /// <summary>The request field at fault (proto path such as <c>options.points_per_step</c>), when one is.</summary>
    public string? Field { get; } = field;
}
