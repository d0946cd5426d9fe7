using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>
/// A call (or one frame of a stream) the service refused or could not answer, with the AIP-193 details every
/// PointRend error carries: the <see cref="ErrorReason"/> of its <c>google.rpc.ErrorInfo</c>, the request fields at
/// fault (<c>google.rpc.BadRequest</c>) and the delay after which a retry may succeed (<c>google.rpc.RetryInfo</c>).
/// </summary>
public sealed class PointRendException : Exception
{
    /// <summary>The ErrorInfo domain of PointRend's own errors.</summary>
    public const string Domain = "pointrend.grpc";

    private static readonly Google.Protobuf.Reflection.EnumDescriptor Reasons =
        ErrorsReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(ErrorReason));

    /// <summary>An error described by a gRPC status code and message, with its details.</summary>
    public PointRendException(StatusCode statusCode, string message, ErrorReason reason = ErrorReason.Unspecified, string? reasonName = null,
        IReadOnlyList<FieldViolation>? fieldViolations = null, TimeSpan? retryDelay = null, string? resourceName = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Reason = reason;
        ReasonName = reasonName;
        FieldViolations = fieldViolations ?? [];
        RetryDelay = retryDelay;
        ResourceName = resourceName;
    }

    /// <summary>The gRPC status code, e.g. <see cref="StatusCode.InvalidArgument"/>.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The stable cause (ErrorInfo.reason); <see cref="ErrorReason.Unspecified"/> when the status carried none
    /// (an error raised by gRPC or the network rather than by the service) or a reason this client does not know.</summary>
    public ErrorReason Reason { get; }

    /// <summary>ErrorInfo.reason as sent, e.g. <c>IMAGE_TOO_LARGE</c>; null when the status carried no ErrorInfo.</summary>
    public string? ReasonName { get; }

    /// <summary>The request fields at fault (BadRequest), e.g. <c>options.points_per_step</c>; empty when none was named.</summary>
    public IReadOnlyList<FieldViolation> FieldViolations { get; }

    /// <summary>When the service says a retry may succeed (RetryInfo); null when retrying cannot help.</summary>
    public TimeSpan? RetryDelay { get; }

    /// <summary>The missing resource (ResourceInfo), e.g. the model name of <c>MODEL_NOT_FOUND</c>.</summary>
    public string? ResourceName { get; }

    /// <summary>
    /// Whether the same request may succeed later: UNAVAILABLE, or RESOURCE_EXHAUSTED with a RetryInfo (a full queue
    /// or a caller over its budget; without RetryInfo, e.g. a message too large or a request over the cost limit, the
    /// same request fails the same way).
    /// </summary>
    public bool IsRetryable => StatusCode == StatusCode.Unavailable || (StatusCode == StatusCode.ResourceExhausted && RetryDelay is not null);

    /// <summary>The typed form of a failed call.</summary>
    public static PointRendException From(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var status = ex.GetRpcStatus();
        return status is null
            ? new PointRendException(ex.StatusCode, ex.Status.Detail, inner: ex)
            : From(status, ex);
    }

    /// <summary>The typed form of a <c>google.rpc.Status</c>, e.g. <see cref="SegmentStreamResponse.Error"/> of a failed frame.</summary>
    public static PointRendException From(Google.Rpc.Status status, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        var info = status.GetDetail<ErrorInfo>();
        var reason = info is not null && info.Domain == Domain && Reasons.FindValueByName(info.Reason) is { } value
            ? (ErrorReason)value.Number
            : ErrorReason.Unspecified;
        var violations = status.GetDetail<BadRequest>()?.FieldViolations
            .Select(v => new FieldViolation(v.Field, v.Description, string.IsNullOrEmpty(v.Reason) ? null : v.Reason))
            .ToList();
        var retry = status.GetDetail<RetryInfo>()?.RetryDelay;
        return new PointRendException((StatusCode)status.Code, status.Message, reason, info?.Reason, violations,
            retry is null ? null : ToTimeSpan(retry), status.GetDetail<ResourceInfo>()?.ResourceName, inner);
    }

    private static TimeSpan ToTimeSpan(Duration duration) => duration.ToTimeSpan();
}

/// <summary>One request field at fault (google.rpc.BadRequest.FieldViolation).</summary>
/// <param name="Field">Proto path of the field, e.g. <c>image.encoded</c>.</param>
/// <param name="Description">What is wrong with it, for a person.</param>
/// <param name="Reason">The ErrorReason name for this field, when the service gave one.</param>
public sealed record FieldViolation(string Field, string Description, string? Reason);
