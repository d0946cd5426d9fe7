using PointRend.Inference;
using PointRend.Gateway.Hosting;
using PointRend.Gateway.Security;

namespace PointRend.Gateway;

/// <summary>The gateway's startup, shared by Program.cs and the functional tests (which add a log sink via <paramref name="configure"/>).</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddStandardUrlOverrides(args);        // --urls / ASPNETCORE_URLS beat appsettings.json's 127.0.0.1:50051
        builder.AddHealthPort();                        // Gateway:HealthPort: a plaintext port for the kubelet's grpc probe
        builder.Services.AddGatewayOptions(builder.Configuration);          // Gateway, Inference, WorkerPool sections, validated at start
        builder.Services.AddRequestPipeline(builder.Configuration); // validation, tiling, cache, fair share; in-process pool or Redis
        builder.Services.AddGatewayGrpc(builder.Configuration); // gRPC, message limits, health, reflection, metrics port
        builder.AddGatewaySecurity();                   // Auth (API keys, JWT), CallerLimits, Tls (client certificates)
        builder.Services.AddGatewayTracing(builder.Configuration); // OTLP traces when Telemetry:OtlpEndpoint / OTEL_EXPORTER_OTLP_ENDPOINT is set
        configure?.Invoke(builder);

        var app = builder.Build();
        app.LoadModelsAtStart();                       // a broken model stops start-up here, with the reason; embedded: warm-up
        app.MapGatewayEndpoints();                     // SegmentationService, health, reflection, /metrics
        return app;
    }
}
