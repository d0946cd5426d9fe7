using PointRend.Contracts.V1;

namespace PointRend.Queueing.Caching;

/// <summary>Finished responses by <see cref="ResultCacheKey"/>: in memory (embedded) or in Redis (distributed, shared by gateways).</summary>
public interface IResultCache
{
    /// <summary>The stored response, or null on a miss; a cache that cannot answer reports a miss rather than failing the request.</summary>
    ValueTask<SegmentResponse?> GetAsync(string key, CancellationToken cancellationToken);

    ValueTask SetAsync(string key, SegmentResponse response, CancellationToken cancellationToken);
}

/// <summary>Name and version of the model a request will run on; null when no running worker serves it.</summary>
public interface IModelVersions
{
    ValueTask<(string Name, string Version)?> ResolveAsync(string requestedModel, CancellationToken cancellationToken);
}
