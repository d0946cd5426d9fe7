using Google.Protobuf;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>The <c>{p}:job:{id}:result</c> hash: a response or an error kind with its message.</summary>
internal static class JobResult
{
    public static HashEntry[] Success(SegmentResponse response) =>
    [
        new(JobFields.Status, JobFields.Ok),
        new(JobFields.Response, response.ToByteArray()),
    ];

    public static HashEntry[] Failure(SegmentationErrorKind kind, ErrorReason reason, string message) =>
    [
        new(JobFields.Status, kind.ToString()),
        new(JobFields.ErrorReason, reason.ToString()),
        new(JobFields.Message, message),
    ];

    public static HashEntry[] Failure(SegmentationException ex) =>
    [
        .. Failure(ex.Kind, ex.Reason, ex.Message),
        new(JobFields.Field, ex.Field ?? string.Empty),
    ];

    /// <summary>The response, or throws the stored error; null when nothing is stored (yet, or any more).</summary>
    public static SegmentResponse? Read(HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        RedisValue status = default, message = default, response = default, reason = default, field = default;
        foreach (var entry in fields)
        {
            switch ((string?)entry.Name)
            {
                case JobFields.Status: status = entry.Value; break;
                case JobFields.Message: message = entry.Value; break;
                case JobFields.Response: response = entry.Value; break;
                case JobFields.ErrorReason: reason = entry.Value; break;
                case JobFields.Field: field = entry.Value; break;
            }
        }

        if (status == JobFields.Ok)
        {
            return SegmentResponse.Parser.ParseFrom((byte[])response!);
        }

        var kind = Enum.TryParse<SegmentationErrorKind>(status, out var k) ? k : SegmentationErrorKind.Internal;
        var why = Enum.TryParse<ErrorReason>(reason, out var r) ? r : ErrorReason.Internal;
        throw new SegmentationException(
            kind, why, message.HasValue ? message.ToString() : $"the worker reported {status}", field.IsNullOrEmpty ? null : field.ToString());
    }
}
