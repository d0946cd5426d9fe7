using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using PointRend.Contracts;

namespace PointRend.Gateway.Services;

/// <summary>The one place a <see cref="SegmentationException"/> becomes a gRPC status.</summary>
internal static class GrpcErrors
{
    public static StatusCode ToStatusCode(SegmentationErrorKind kind) => kind switch
    {
        SegmentationErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        SegmentationErrorKind.NotFound => StatusCode.NotFound,
        SegmentationErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        SegmentationErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        SegmentationErrorKind.Cancelled => StatusCode.Cancelled,
        SegmentationErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    /// <summary>INVALID_ARGUMENT carries a google.rpc.BadRequest naming the field, for clients that branch on it.</summary>
    public static RpcException ToRpcException(SegmentationException ex)
    {
        var code = ToStatusCode(ex.Kind);
        var status = new Google.Rpc.Status { Code = (int)code, Message = ex.Message };
        if (ex.Field is not null)
        {
            if (ex.Kind == SegmentationErrorKind.InvalidArgument)
            {
                status.Details.Add(Any.Pack(new BadRequest
                {
                    FieldViolations = { new BadRequest.Types.FieldViolation { Field = ex.Field, Description = ex.Message } },
                }));
            }
            else if (ex.Kind == SegmentationErrorKind.NotFound)
            {
                status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = "model", Description = ex.Message }));
            }
        }

        return status.ToRpcException();
    }
}
