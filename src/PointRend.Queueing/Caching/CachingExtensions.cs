using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Queueing.Redis;

namespace PointRend.Queueing.Caching;

public static class CachingExtensions
{
    /// <summary>
    /// Wraps the registered <see cref="ISegmentJobRunner"/> in <see cref="CachingJobRunner"/> (unless <c>Cache:Enabled</c>
    /// is false): Redis cache and worker-registered versions when <c>Redis:Configuration</c> is set, else memory and
    /// <paramref name="localModels"/>.
    /// </summary>
    public static IServiceCollection AddResultCache(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, ListModelsResponse> localModels)
    {
        services.AddValidatedOptions<CacheOptions>(configuration, CacheOptions.SectionName, o => o.Validate());
        if (!configuration.GetSection(CacheOptions.SectionName).GetValue(nameof(CacheOptions.Enabled), true))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        if (configuration.IsRedisConfigured())
        {
            services.TryAddSingleton<IResultCache, RedisResultCache>();
            services.TryAddSingleton<IModelVersions, RedisModelVersions>();
        }
        else
        {
            services.TryAddSingleton<IResultCache, MemoryResultCache>();
            services.TryAddSingleton<IModelVersions>(sp => new StaticModelVersions(localModels(sp)));
        }

        var inner = services.LastOrDefault(d => d.ServiceType == typeof(ISegmentJobRunner))
            ?? throw new InvalidOperationException($"register an {nameof(ISegmentJobRunner)} before {nameof(AddResultCache)}");
        services.Remove(inner);
        services.AddSingleton<ISegmentJobRunner>(sp => new CachingJobRunner(
            (ISegmentJobRunner)Create(sp, inner), sp.GetRequiredService<IResultCache>(), sp.GetRequiredService<IModelVersions>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static object Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);
}
