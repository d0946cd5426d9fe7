using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Gateway.Options;
using PointRend.Gateway.Services;
using PointRend.Gateway.Tiling;
using PointRend.Inference;
using PointRend.Contracts.V1;
using PointRend.Queueing;
using PointRend.Queueing.Caching;
using PointRend.Queueing.InProcess;
using PointRend.Queueing.Redis;
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

    public static IServiceCollection AddGatewayOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<GatewayOptions>(GatewayOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<InferenceOptions>(InferenceOptions.SectionName, o => o.Validate());
        return services;
    }

    /// <summary>
    /// Picks where requests run: the in-process pool when <c>Redis:Configuration</c> is empty, else Redis streams.
    /// </summary>
    public static IServiceCollection AddSegmentJobRunner(this IServiceCollection services, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[RedisConfigurationKey]))
        {
            services.AddRedisJobRunner(configuration);
            services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
            return services.AddResultCache(configuration, LocalModels).AddTiling(configuration);
        }

        services.AddValidatedOptions<WorkerPoolOptions>(WorkerPoolOptions.SectionName, o => o.Validate());
        services.AddSingleton<InProcessJobRunner>();
        services.AddSingleton<ISegmentJobRunner>(sp => sp.GetRequiredService<InProcessJobRunner>());
        return services.AddResultCache(configuration, LocalModels).AddTiling(configuration);
    }

    private static ListModelsResponse LocalModels(IServiceProvider services) => services.GetRequiredService<SegmentProcessor>().ListModels();

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
        services.AddGrpcReflection();
        services.AddMetricsPort(configuration, "Gateway:MetricsPort");

        // Models load before the first request can arrive, so once the host runs it is ready to serve.
        services.AddGrpcHealthChecks().AddCheck("models", () => HealthCheckResult.Healthy());
        return services;
    }

    public static void LoadModelsAtStart(this WebApplication app)
    {
        var processor = app.Services.GetRequiredService<SegmentProcessor>();
        var runner = app.Services.GetRequiredService<ISegmentJobRunner>();
        GatewayLog.ModelsReady(app.Logger, processor.Catalog.Models.Count, processor.Catalog.ModelsPath, runner.GetType().Name);
        if (app.Services.GetService<InProcessJobRunner>() is not null)
        {
            processor.WarmUp(CancellationToken.None); // before Kestrel listens: the first callers meet a warm process
        }
    }

    public static void MapGatewayEndpoints(this WebApplication app)
    {
        app.MapGrpcService<SegmentationService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.MetricsEnabled)
        {
            app.MapMetrics();
        }
    }

    private static void AddValidatedOptions<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>> validate)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new DelegateValidator<T>(validate));
    }

    private sealed class DelegateValidator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
