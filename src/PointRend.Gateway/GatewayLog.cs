using Grpc.Core;

namespace PointRend.Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "{Count} model(s) ready from {Path}; jobs run on {Runner}", EventName = "ModelsReady")]
    public static partial void ModelsReady(ILogger logger, int count, string path, string runner);

    [LoggerMessage(2, LogLevel.Information, "{Method} refused with {Status}: {Message}", EventName = "RequestRefused")]
    public static partial void RequestRefused(ILogger logger, string method, StatusCode status, string message);

    [LoggerMessage(3, LogLevel.Error, "{Method} failed with an internal error", EventName = "RequestFailed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method);
}
