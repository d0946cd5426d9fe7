namespace PointRend.Queueing.Redis;

/// <summary>The Redis connection; section <c>Redis</c>. Setting <see cref="Configuration"/> switches the gateway to distributed mode.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string such as <c>127.0.0.1:6379,password=...</c>.
    /// Null or empty (default): no Redis; the gateway runs the embedded pool and the worker refuses to start.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments can share one server. Default <c>pointrend</c>.</summary>
    public string KeyPrefix { get; set; } = "pointrend";

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Contains(' '))
        {
            yield return $"{SectionName}:{nameof(KeyPrefix)} is '{KeyPrefix}'; it must be a non-empty word without spaces";
        }
    }
}
