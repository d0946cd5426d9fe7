using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Queueing.Redis;
using StackExchange.Redis;

namespace PointRend.Hosting;

public static class QueueingServiceCollectionExtensions
{
    /// <summary>Options <c>Redis</c> and <c>Queue</c> (validated at start) and the process's one multiplexer.</summary>
    public static IServiceCollection AddRedisConnection(this IServiceCollection services, IConfiguration configuration, string clientName)
    {
        services.AddValidatedOptions<RedisOptions>(configuration, RedisOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<QueueOptions>(configuration, QueueOptions.SectionName, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnection.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value, clientName, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisConnection))));
        services.TryAddSingleton<WorkerPresence>();
        return services;
    }

    /// <summary>Gateway side: <see cref="ISegmentJobRunner"/> over the Redis job stream.</summary>
    public static IServiceCollection AddRedisJobRunner(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRedisConnection(configuration, "pointrend-gateway");
        services.TryAddSingleton<RedisJobRunner>();
        services.TryAddSingleton<ISegmentJobRunner>(sp => sp.GetRequiredService<RedisJobRunner>());
        return services;
    }

    /// <summary>Worker side: <see cref="RedisJobConsumer"/>; the caller registers the <see cref="ISegmentProcessor"/>.</summary>
    public static IServiceCollection AddRedisJobConsumer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRedisConnection(configuration, "pointrend-worker");
        services.TryAddSingleton<RedisJobConsumer>();
        return services;
    }
}
