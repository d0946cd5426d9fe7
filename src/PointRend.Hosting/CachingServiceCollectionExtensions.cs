using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PointRend.Contracts.V1;
using PointRend.Queueing.Caching;

namespace PointRend.Hosting;

public static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// Option <c>Cache</c>, and when it is enabled the cache and the model versions its keys use: Redis and the
    /// versions workers registered when <c>Redis:Configuration</c> is set, else memory and the registered
    /// <see cref="ListModelsResponse"/>. Returns whether the cache is enabled (the caller composes <see cref="CachingJobRunner"/>).
    /// </summary>
    public static bool AddResultCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CacheOptions>(configuration, CacheOptions.SectionName, o => o.Validate());
        if (!configuration.GetSection(CacheOptions.SectionName).GetValue(nameof(CacheOptions.Enabled), true))
        {
            return false;
        }

        services.TryAddSingleton(TimeProvider.System);
        if (configuration.IsDistributed())
        {
            services.TryAddSingleton<IResultCache, RedisResultCache>();
            services.TryAddSingleton<IModelVersions, RedisModelVersions>();
        }
        else
        {
            services.TryAddSingleton<IResultCache, MemoryResultCache>();
            services.TryAddSingleton<IModelVersions>(sp => new StaticModelVersions(sp.GetRequiredService<ListModelsResponse>()));
        }

        return true;
    }
}
