using Microsoft.Extensions.Logging;

namespace PointRend.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(130, LogLevel.Information, "Metrics at http://{Host}:{Port}/metrics", EventName = "MetricsServing")]
    public static partial void MetricsServing(ILogger logger, string host, int port);

    [LoggerMessage(131, LogLevel.Information, "Traces of service {ServiceName} exported over OTLP to {Endpoint}", EventName = "TracingOn")]
    public static partial void Tracing(ILogger logger, string endpoint, string serviceName);
}
