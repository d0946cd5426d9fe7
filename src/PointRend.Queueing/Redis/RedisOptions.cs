namespace PointRend.Queueing.Redis;

/// <summary>The Redis connection; section <c>Redis</c>. Setting <see cref="Configuration"/> switches the gateway to distributed mode.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string such as <c>127.0.0.1:6379,password=...</c>; an ACL user adds
    /// <c>user=NAME</c>, TLS <c>ssl=true,sslHost=NAME</c> (the name in the server's certificate).
    /// Null or empty (default): no Redis; the gateway runs the embedded pool and the worker refuses to start.</summary>
    public string? Configuration { get; set; }

    /// <summary>PEM file of the CA that signed the Redis server's TLS certificate, when it is not one the system trusts
    /// (a private CA). Only with <c>ssl=true</c> in <see cref="Configuration"/>. Default none: the system's trust store.</summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments can share one server. Default <c>pointrend</c>.</summary>
    public string KeyPrefix { get; set; } = "pointrend";

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Contains(' '))
        {
            yield return $"{SectionName}:{nameof(KeyPrefix)} is '{KeyPrefix}'; it must be a non-empty word without spaces";
        }

        if (!string.IsNullOrWhiteSpace(CaCertificateFile) && !File.Exists(CaCertificateFile))
        {
            yield return $"{SectionName}:{nameof(CaCertificateFile)} '{CaCertificateFile}' does not exist";
        }
    }
}
