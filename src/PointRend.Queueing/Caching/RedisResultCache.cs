using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts.V1;
using PointRend.Queueing.Redis;
using StackExchange.Redis;

namespace PointRend.Queueing.Caching;

/// <summary>The distributed mode's cache, shared by every gateway: <c>{p}:cache:{hash}</c> strings with a TTL (schema: <see cref="RedisKeys"/>).</summary>
public sealed class RedisResultCache(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<CacheOptions> options,
    ILogger<RedisResultCache> logger) : IResultCache
{
    private readonly RedisKeys _keys = new(redisOptions.Value.KeyPrefix);

    public async ValueTask<SegmentResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(_keys.Cache(key)).ConfigureAwait(false);
            return value.IsNull ? null : SegmentResponse.Parser.ParseFrom((byte[])value!);
        }
        catch (Exception ex) when (ex is RedisException or InvalidProtocolBufferException)
        {
            QueueingLog.CacheFailed(logger, ex, key);
            return null;
        }
    }

    public async ValueTask SetAsync(string key, SegmentResponse response, CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(_keys.Cache(key), response.ToByteArray(), options.Value.Ttl).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            QueueingLog.CacheFailed(logger, ex, key);
        }
    }
}

/// <summary>Model versions as the workers registered them in <c>{p}:models</c>; read again after a few seconds so a redeploy is noticed.</summary>
public sealed class RedisModelVersions(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, TimeProvider time) : IModelVersions
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);
    private readonly RedisKeys _keys = new(redisOptions.Value.KeyPrefix);
    private (Dictionary<string, string> Map, DateTimeOffset Read)? _snapshot;

    public async ValueTask<(string Name, string Version)?> ResolveAsync(string requestedModel, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || time.GetUtcNow() - snapshot.Value.Read > Refresh)
        {
            try
            {
                var entries = await redis.GetDatabase().HashGetAllAsync(_keys.Models).ConfigureAwait(false);
                snapshot = (entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString()), time.GetUtcNow());
                _snapshot = snapshot;
            }
            catch (RedisException)
            {
                return null; // the runner will report the outage
            }
        }

        return StaticModelVersions.Resolve(snapshot.Value.Map, requestedModel);
    }
}

/// <summary>Model versions of the models this process loaded itself (embedded mode).</summary>
public sealed class StaticModelVersions(ListModelsResponse models) : IModelVersions
{
    private readonly Dictionary<string, string> _map = Build(models);

    public ValueTask<(string Name, string Version)?> ResolveAsync(string requestedModel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Resolve(_map, requestedModel));

    /// <summary>Name → version, plus "" → the default model's name (the layout of <c>{p}:models</c>).</summary>
    public static Dictionary<string, string> Build(ListModelsResponse models)
    {
        var map = new Dictionary<string, string>();
        foreach (var model in models.Models)
        {
            map[model.Name] = model.Version;
            if (model.IsDefault)
            {
                map[string.Empty] = model.Name;
            }
        }

        return map;
    }

    internal static (string Name, string Version)? Resolve(Dictionary<string, string> map, string requested)
    {
        var name = requested.Length == 0 && map.TryGetValue(string.Empty, out var fallback) ? fallback : requested;
        return name.Length > 0 && map.TryGetValue(name, out var version) ? (name, version) : null;
    }
}
