using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Services;

/// <summary>
/// The one place a <see cref="SegmentationException"/> becomes a gRPC status (AIP-193): every error carries
/// ErrorInfo (stable reason, domain); a field at fault adds BadRequest, an unknown model ResourceInfo, and a retryable
/// refusal RetryInfo.
/// </summary>
internal static class GrpcErrors
{
    public const string Domain = "pointrend.grpc";

    public static StatusCode ToStatusCode(SegmentationErrorKind kind) => kind switch
    {
        SegmentationErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        SegmentationErrorKind.NotFound => StatusCode.NotFound,
        SegmentationErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        SegmentationErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        SegmentationErrorKind.Cancelled => StatusCode.Cancelled,
        SegmentationErrorKind.Unavailable => StatusCode.Unavailable,
        SegmentationErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        SegmentationErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        _ => StatusCode.Internal,
    };

    /// <summary>The reason's wire name, e.g. <c>IMAGE_TOO_LARGE</c>.</summary>
    public static string ReasonName(ErrorReason reason) => Reasons.FindValueByNumber((int)reason)?.Name ?? "INTERNAL";

    private static readonly Google.Protobuf.Reflection.EnumDescriptor Reasons = ErrorsReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(ErrorReason));

    public static Google.Rpc.Status ToStatus(SegmentationException ex)
    {
        var status = new Google.Rpc.Status { Code = (int)ToStatusCode(ex.Kind), Message = ex.Message };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = ReasonName(ex.Reason), Domain = Domain }));
        if (ex.Field is not null && ex.Kind == SegmentationErrorKind.InvalidArgument)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = ex.Field, Description = ex.Message, Reason = ReasonName(ex.Reason) } },
            }));
        }

        if (ex.Reason == ErrorReason.ModelNotFound)
        {
            status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = "pointrend.v1.ModelInfo", ResourceName = ex.ResourceName ?? string.Empty, Description = ex.Message }));
        }

        if (ex.RetryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        return status;
    }

    public static RpcException ToRpcException(SegmentationException ex) => ToStatus(ex).ToRpcException();

    /// <summary>
    /// The same status as a gRPC "trailers-only" response (status in the headers, no message), for middleware that answers
    /// before a gRPC service runs; clients read it exactly like a status the service threw.
    /// </summary>
    public static void WriteTrailersOnly(Microsoft.AspNetCore.Http.HttpResponse response, SegmentationException ex)
    {
        var status = ToStatus(ex);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(status.Message);
        response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
    }

    /// <summary>grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2): printable ASCII except '%' stays as it is.</summary>
    private static string PercentEncode(string message)
    {
        if (message.All(c => c is >= ' ' and <= '~' and not '%'))
        {
            return message;
        }

        var text = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(message))
        {
            text.Append(b is >= (byte)' ' and <= (byte)'~' and not (byte)'%' ? ((char)b).ToString() : $"%{b:X2}");
        }

        return text.ToString();
    }

    /// <summary>Cancellation and deadline noticed by the edge itself, in the same shape.</summary>
    public static SegmentationException Ended(bool deadlinePassed) => deadlinePassed
        ? new SegmentationException(SegmentationErrorKind.DeadlineExceeded, ErrorReason.DeadlineExceeded, "the deadline passed")
        : new SegmentationException(SegmentationErrorKind.Cancelled, ErrorReason.Cancelled, "the call was cancelled");
}
