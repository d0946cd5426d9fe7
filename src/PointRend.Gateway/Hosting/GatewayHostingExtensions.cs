using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Gateway.Options;
using PointRend.Gateway.Security;
using PointRend.Gateway.Services;
using PointRend.Gateway.Tiling;
using PointRend.Inference;
using PointRend.Contracts.V1;
using PointRend.Hosting;
using PointRend.Queueing;
using PointRend.Queueing.Caching;
using PointRend.Queueing.InProcess;
using PointRend.Queueing.Redis;
using OpenTelemetry.Trace;
using Prometheus;

namespace PointRend.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    public const string RedisConfigurationKey = "Redis:Configuration";

    /// <remarks>
    /// Host-level ASPNETCORE_* variables load before appsettings.json, so its "urls" would silently win over
    /// ASPNETCORE_URLS. Re-adding them (and the command line, still last) restores the usual precedence.
    /// </remarks>
    public static void AddStandardUrlOverrides(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddEnvironmentVariables("ASPNETCORE_");
        builder.Configuration.AddCommandLine(args);
    }

    /// <summary>
    /// <c>Gateway:HealthPort</c>: one more plaintext URL beside <c>urls</c> (an explicit Kestrel Listen would replace
    /// <c>urls</c> instead of adding to it). <see cref="MapGatewayEndpoints"/> limits it to gRPC health.
    /// </summary>
    public static void AddHealthPort(this WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.HealthPort)}", 0);
        if (port is <= 0 or > 65535)
        {
            return; // 0: none; out of range: refused at start by GatewayOptions validation
        }

        var urls = builder.Configuration["urls"];
        var host = MetricsPortServiceCollectionExtensions.HostOfUrls(urls);
        builder.Configuration["urls"] = $"{urls};http://{host}:{port}";
    }

    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<GatewayOptions>(configuration, GatewayOptions.SectionName, o => o.Validate());
        return services.AddInferenceOptions(configuration);
    }

    /// <summary>Validation, tiling, cache, fair share and queue: see <see cref="RequestPipeline"/>.</summary>
    public static IServiceCollection AddRequestPipeline(this IServiceCollection services, IConfiguration configuration) =>
        RequestPipeline.AddRequestPipeline(services, configuration);

    public static IServiceCollection AddGatewayGrpc(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<GatewayOptions>>((grpc, gateway) =>
        {
            grpc.MaxReceiveMessageSize = gateway.Value.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = gateway.Value.MaxSendMessageSize;
            grpc.EnableDetailedErrors = false; // messages are built on purpose (InferenceErrors); no stack traces out
        });
        // Kestrel refuses a request body over its own limit (30,000,000 bytes by default, below the default 32 MB
        // message limit) with an exception that reaches the caller as UNKNOWN; raised to the message limit plus the
        // 5-byte gRPC frame header, an oversized message meets gRPC's RESOURCE_EXHAUSTED instead, and one within the
        // limit (a raw 3200x3200 image is 30.7 MB) is served.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            var needed = (long)gateway.Value.MaxReceiveMessageSize + 5;
            if (kestrel.Limits.MaxRequestBodySize is { } limit && limit < needed)
            {
                kestrel.Limits.MaxRequestBodySize = needed;
            }
        });
        services.AddGrpcReflection();
        services.AddMetricsPort(configuration, "Gateway:MetricsPort", "Gateway:MetricsAddress", MetricsPortServiceCollectionExtensions.HostOfUrls(configuration["urls"]));

        // Embedded: models load and warm up before Kestrel listens, so a running host is ready. Distributed: the
        // Redis and worker checks registered with the pipeline decide.
        services.AddGrpcHealthChecks();
        return services;
    }

    /// <summary>
    /// The server span of each gRPC call (continuing the caller's traceparent) and PointRend's own spans, over OTLP when
    /// configured. Probes and scrapes are left out: they would be most of the traces and say nothing.
    /// </summary>
    public static IServiceCollection AddGatewayTracing(this IServiceCollection services, IConfiguration configuration) =>
        services.AddPointRendTracing(configuration, "pointrend-gateway", tracing => tracing.AddAspNetCoreInstrumentation(o =>
            o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal)
                && !context.Request.Path.StartsWithSegments(HealthPath, StringComparison.Ordinal)));

    private const string HealthPath = "/grpc.health.v1.Health";

    private static Task HealthPortOnly(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = "this port (Gateway:HealthPort) serves grpc.health.v1.Health only; call the service on its urls address";
        return Task.CompletedTask;
    }

    public static void LoadModelsAtStart(this WebApplication app)
    {
        var models = app.Services.GetRequiredService<ModelManifests>(); // embedded: loads the sessions too
        var embedded = app.Services.GetService<InProcessJobRunner>() is not null;
        GatewayLog.ModelsReady(app.Logger, models.Names.Count(), models.ModelsPath, embedded ? "the in-process pool" : "Redis workers");
        _ = app.Services.GetRequiredService<RequestPipeline>();
        if (embedded)
        {
            // Before Kestrel listens: the first callers meet a warm process.
            app.Services.GetRequiredService<SegmentProcessor>().WarmUp(CancellationToken.None);
        }
    }

    public static void MapGatewayEndpoints(this WebApplication app)
    {
        QueueMetrics.Register();
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.HealthPort is > 0 and var healthPort)
        {
            // The probe port answers health only: no credentials are asked there, so nothing else may be reached.
            app.Use((http, next) => http.Connection.LocalPort == healthPort && !http.Request.Path.StartsWithSegments(HealthPath, StringComparison.Ordinal)
                ? HealthPortOnly(http)
                : next(http));
        }

        CallerGate.UseCallerGate(app); // before SegmentationService reads a message: credentials, method, per-caller limits
        app.MapGrpcService<SegmentationGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        var authenticated = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled;
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.MetricsEnabled ?? !authenticated)
        {
            app.MapMetrics();
        }
    }
}
