using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace PointRend.Client;

internal static partial class PointRendClientLog
{
    [LoggerMessage(1, LogLevel.Information, "Retrying {Method} (attempt {Attempt}) in {Delay}: {StatusCode} {Reason}: {Message}", EventName = "CallRetried")]
    public static partial void Retrying(ILogger logger, string method, int attempt, TimeSpan delay, StatusCode statusCode, string reason, string message);
}
