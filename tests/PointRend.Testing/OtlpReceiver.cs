using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PointRend.Testing.Otlp;

namespace PointRend.Testing;

/// <summary>One span as a collector received it, with the service.name of the process that sent it.</summary>
public sealed record ReceivedSpan(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// One metric data point as a collector received it: a counter's or gauge's value, or a histogram's count and sum.
/// </summary>
public sealed record ReceivedPoint(string Service, string Scope, string Metric, string Unit, string Kind, IReadOnlyDictionary<string, string> Attributes,
    double Value, ulong Count, IReadOnlyList<double> Bounds);

/// <summary>
/// An OTLP/HTTP collector on 127.0.0.1 (POST /v1/traces and /v1/metrics, protobuf), as an OpenTelemetry Collector would
/// be: the processes under test export to it with their real OTLP exporter, configured by the standard OTEL_* variables
/// or the Telemetry section.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<ReceivedPoint> _points = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The value for OTEL_EXPORTER_OTLP_ENDPOINT (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    /// <summary>Every metric data point of every export, in arrival order (cumulative exports repeat a series each time).</summary>
    public IReadOnlyCollection<ReceivedPoint> Points => _points;

    /// <summary>Every request received, and any failure to read one, for failure messages.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // HTTP/1.1, as OTLP/HTTP exporters speak it; set here because the gateway's appsettings.json beside the tests
        // makes every endpoint HTTP/2-only.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(async context =>
        {
            receiver.Requests.Enqueue($"{context.Request.Method} {context.Request.Path} {context.Request.ContentType} {context.Request.ContentLength}");
            try
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                if (context.Request.Path == "/v1/metrics")
                {
                    receiver.Add(ExportMetricsServiceRequest.Parser.ParseFrom(body.ToArray()));
                }
                else
                {
                    receiver.Add(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
                }

                context.Response.ContentType = "application/x-protobuf"; // an empty Export*ServiceResponse: all accepted
            }
            catch (Exception ex)
            {
                receiver.Requests.Enqueue(ex.ToString());
                throw;
            }
        });
        await app.StartAsync();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    private void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
            foreach (var scope in resource.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    _spans.Enqueue(new ReceivedSpan(service, scope.Scope?.Name ?? "", Convert.ToHexStringLower(span.TraceId.Span),
                        Convert.ToHexStringLower(span.SpanId.Span), Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name, span.Kind,
                        Attributes(span.Attributes)));
                }
            }
        }
    }

    private void Add(ExportMetricsServiceRequest request)
    {
        foreach (var resource in request.ResourceMetrics)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
            foreach (var scope in resource.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    ReceivedPoint Point(string kind, IEnumerable<KeyValue> attributes, double value, ulong count = 0, IReadOnlyList<double>? bounds = null) =>
                        new(service, scope.Scope?.Name ?? "", metric.Name, metric.Unit, kind, Attributes(attributes), value, count, bounds ?? []);

                    var points = metric.DataCase switch
                    {
                        Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Select(p => Point("sum", p.Attributes, Number(p))),
                        Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Select(p => Point("gauge", p.Attributes, Number(p))),
                        Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Select(p => Point("histogram", p.Attributes, p.Sum, p.Count, p.ExplicitBounds.ToList())),
                        _ => [],
                    };
                    foreach (var point in points)
                    {
                        _points.Enqueue(point);
                    }
                }
            }
        }
    }

    private static double Number(NumberDataPoint point) =>
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
            AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue.ToString(),
            _ => "",
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
