using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

public static class RedisQueueingExtensions
{
    /// <summary>True when <c>Redis:Configuration</c> is set, i.e. the process runs in distributed mode.</summary>
    public static bool IsRedisConfigured(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)}"]);

    /// <summary>Options <c>Redis</c> and <c>Queue</c> (validated at start) and the process's one multiplexer.</summary>
    public static IServiceCollection AddRedisConnection(this IServiceCollection services, IConfiguration configuration, string clientName)
    {
        services.AddValidatedOptions<RedisOptions>(configuration, RedisOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<QueueOptions>(configuration, QueueOptions.SectionName, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnection.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value, clientName));
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

    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section,
        Func<T, IEnumerable<string>> validate)
        where T : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new DelegateValidator<T>(validate)));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    private sealed class DelegateValidator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = validate(options).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
