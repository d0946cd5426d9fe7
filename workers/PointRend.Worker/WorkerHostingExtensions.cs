using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Hosting;
using PointRend.Inference;
using PointRend.Queueing;
using PointRend.Queueing.Redis;

namespace PointRend.Worker;

public static class WorkerHostingExtensions
{
    public static IServiceCollection AddWorkerOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.IsDistributed())
        {
            throw new InvalidOperationException(
                $"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)} is not set (environment Redis__Configuration, e.g. 127.0.0.1:6379); a worker needs Redis");
        }

        services.AddInferenceOptions(configuration);

        // The default 30 s is the time a job in progress gets to finish after SIGTERM; past it the job stays pending for another worker.
        services.Configure<HostOptions>(configuration.GetSection("Worker"));
        return services;
    }

    public static IServiceCollection AddWorkerConsumer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRedisJobConsumer(configuration);
        // Every interface by default: in Kubernetes the kubelet probes it on the pod address.
        services.AddMetricsPort(configuration, "Worker:MetricsPort", "Worker:MetricsAddress", MetricsPortServiceCollectionExtensions.AllInterfaces);
        services.AddPointRendTracing(configuration, "pointrend-worker"); // OTLP traces when Telemetry:OtlpEndpoint / OTEL_EXPORTER_OTLP_ENDPOINT is set
        services.AddHostedService<JobConsumerService>();
        return services;
    }

    public static void LoadModelsAtStart(this IHost host)
    {
        var processor = host.Services.GetRequiredService<SegmentProcessor>();
        WorkerLog.ModelsReady(host.Services.GetRequiredService<ILogger<JobConsumerService>>(), processor.Catalog.Models.Count + processor.Catalog.InstanceModels.Count, processor.Catalog.ModelsPath);
        processor.WarmUp(CancellationToken.None); // before joining the consumer group: no job waits on a cold process
    }
}
