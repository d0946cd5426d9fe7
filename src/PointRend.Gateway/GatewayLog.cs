using Grpc.Core;

namespace PointRend.Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "{Count} model(s) ready from {Path}; jobs run on {Runner}", EventName = "ModelsReady")]
    public static partial void ModelsReady(ILogger logger, int count, string path, string runner);

    /// <remarks>The exception, when there is one, carries what the caller is not told (decoder or Redis detail).</remarks>
    [LoggerMessage(2, LogLevel.Information, "{Method} refused with {Status}: {Message}", EventName = "RequestRefused")]
    public static partial void RequestRefused(ILogger logger, Exception? exception, string method, StatusCode status, string message);

    [LoggerMessage(3, LogLevel.Error, "{Method} failed with an internal error", EventName = "RequestFailed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method);

    [LoggerMessage(4, LogLevel.Information, "SegmentStream frame {Sequence} failed with {Status}: {Message}", EventName = "FrameFailed")]
    public static partial void FrameFailed(ILogger logger, ulong sequence, StatusCode status, string message);
}
