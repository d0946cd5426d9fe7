namespace PointRend.Queueing.Caching;

/// <summary>The result cache in front of either job runner; section <c>Cache</c>.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>Serve repeated requests from the cache. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long an entry lives. Default 10 minutes.</summary>
    /// <remarks>Entries are keyed by model version, so a new model never meets stale results; the TTL only bounds memory.</remarks>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>In-memory cache size in bytes of serialized responses; the least recently used go first. Default 268 435 456 (256 MiB).</summary>
    /// <remarks>Redis bounds its own memory with maxmemory and an eviction policy (docs/queue.md).</remarks>
    public long MaxMemoryBytes { get; set; } = 256L * 1024 * 1024;

    public IEnumerable<string> Validate()
    {
        if (Ttl <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:{nameof(Ttl)} is {Ttl}; it must be positive";
        }

        if (MaxMemoryBytes < 1)
        {
            yield return $"{SectionName}:{nameof(MaxMemoryBytes)} is {MaxMemoryBytes}; it must be at least 1";
        }
    }
}
