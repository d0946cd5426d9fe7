using Microsoft.Extensions.Logging;

namespace PointRend.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(130, LogLevel.Information, "Metrics at http://{Host}:{Port}/metrics", EventName = "MetricsServing")]
    public static partial void MetricsServing(ILogger logger, string host, int port);
}
