namespace PointRend.Hosting;

/// <summary>Where traces and metrics go; section <c>Telemetry</c>. The standard OTEL_* environment variables work as well.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The standard variable read when <see cref="OtlpEndpoint"/> is empty.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OTLP collector to export traces to, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c>
    /// (with <see cref="OtlpProtocol"/> <c>http/protobuf</c>). Empty (default): <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; with
    /// neither set no trace is recorded or exported (spans cost nothing then).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; empty (default): <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else <c>grpc</c>.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>
    /// How often metrics are exported over OTLP. Empty (default): <c>OTEL_METRIC_EXPORT_INTERVAL</c> (milliseconds), else
    /// OpenTelemetry's 60 s.
    /// </summary>
    public TimeSpan? MetricExportInterval { get; set; }

    public IEnumerable<string> Validate()
    {
        if (MetricExportInterval is { } interval && (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromHours(1)))
        {
            yield return $"{SectionName}:{nameof(MetricExportInterval)} is {interval}; it must be between 00:00:00.1 and 01:00:00";
        }

        if (!string.IsNullOrWhiteSpace(OtlpEndpoint) && !Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out _))
        {
            yield return $"{SectionName}:{nameof(OtlpEndpoint)} is '{OtlpEndpoint}'; it must be an absolute URI such as http://otel-collector:4317";
        }

        if (!string.IsNullOrWhiteSpace(OtlpProtocol) && OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return $"{SectionName}:{nameof(OtlpProtocol)} is '{OtlpProtocol}'; it must be grpc or http/protobuf";
        }
    }
}
