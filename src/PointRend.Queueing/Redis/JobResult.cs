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

    public static HashEntry[] Failure(SegmentationErrorKind kind, string message) =>
    [
        new(JobFields.Status, kind.ToString()),
        new(JobFields.Message, message),
    ];

    /// <summary>The response, or throws the stored error; null when nothing is stored (yet, or any more).</summary>
    public static SegmentResponse? Read(HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        RedisValue status = default, message = default, response = default;
        foreach (var field in fields)
        {
            switch ((string?)field.Name)
            {
                case JobFields.Status: status = field.Value; break;
                case JobFields.Message: message = field.Value; break;
                case JobFields.Response: response = field.Value; break;
            }
        }

        if (status == JobFields.Ok)
        {
            return SegmentResponse.Parser.ParseFrom((byte[])response!);
        }

        var kind = Enum.TryParse<SegmentationErrorKind>(status, out var k) ? k : SegmentationErrorKind.Internal;
        throw new SegmentationException(kind, message.HasValue ? message.ToString() : $"the worker reported {status}");
    }
}
