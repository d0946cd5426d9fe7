using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PointRend.Inference;
using PointRend.Queueing;
using PointRend.Queueing.Metrics;

namespace PointRend.Hosting;

public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry tracing of PointRend's spans (queue: <see cref="JobTracing"/>, pipeline: <see cref="InferenceTracing"/>)
    /// and metrics (<see cref="PointRendMeter"/>: the same metrics as /metrics) exported over OTLP, when
    /// <c>Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise nothing is registered and no
    /// span is recorded. The Prometheus metrics are unaffected either way.
    /// </summary>
    /// <param name="serviceName">service.name of this process's spans, unless <c>OTEL_SERVICE_NAME</c> names another.</param>
    /// <param name="configure">What the process adds, e.g. the ASP.NET Core server spans of the gateway.</param>
    public static IServiceCollection AddPointRendTracing(this IServiceCollection services, IConfiguration configuration, string serviceName,
        Action<TracerProviderBuilder>? configure = null)
    {
        services.AddValidatedOptions<TelemetryOptions>(configuration, TelemetryOptions.SectionName, o => o.Validate());
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var endpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? configuration[TelemetryOptions.EndpointVariable] : options.OtlpEndpoint;
        if (string.IsNullOrWhiteSpace(endpoint) || options.Validate().Any())
        {
            return services; // off, or refused at start by the options validation with a message naming the key
        }

        var name = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } fromEnvironment ? fromEnvironment : serviceName;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(name))
            .WithTracing(tracing =>
            {
                tracing.AddSource(JobTracing.SourceName, InferenceTracing.SourceName);
                configure?.Invoke(tracing);
                tracing.AddOtlpExporter(otlp => Configure(otlp, options, "v1/traces"));
            })
            .WithMetrics(metrics =>
            {
                QueueMetrics.Register();
                metrics.AddMeter(PointRendMeter.Name);
                metrics.AddOtlpExporter((otlp, reader) =>
                {
                    Configure(otlp, options, "v1/metrics");
                    if (options.MetricExportInterval is { } interval)
                    {
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
                    }
                });
            });
        services.AddHostedService(sp => new TracingAnnouncement(sp.GetRequiredService<ILogger<TracingAnnouncement>>(), endpoint, name));
        return services;
    }

    /// <summary>The Telemetry section wins over the OTEL_* variables the exporter reads by itself.</summary>
    private static void Configure(OtlpExporterOptions otlp, TelemetryOptions options, string signalPath)
    {
        if (!string.IsNullOrWhiteSpace(options.OtlpProtocol))
        {
            otlp.Protocol = options.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        }

        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            var uri = new Uri(options.OtlpEndpoint);

            // As with OTEL_EXPORTER_OTLP_ENDPOINT: a base address gets the signal's path for HTTP (the exporter adds it
            // only to the variable's value, not to an endpoint set in code).
            otlp.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf && uri.AbsolutePath == "/" ? new Uri(uri, signalPath) : uri;
        }
    }

    /// <summary>One line at start saying where traces go, so an operator can tell tracing is on.</summary>
    private sealed class TracingAnnouncement(ILogger<TracingAnnouncement> logger, string endpoint, string serviceName) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            HostingLog.Tracing(logger, endpoint, serviceName);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
