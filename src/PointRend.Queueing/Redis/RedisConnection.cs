using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>Builds the one <see cref="ConnectionMultiplexer"/> a process uses (gateway or worker).</summary>
public static class RedisConnection
{
    public static ConfigurationOptions Options(RedisOptions options, string clientName)
    {
        var config = ConfigurationOptions.Parse(options.Configuration ?? throw new InvalidOperationException(
            $"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)} is not set"));

        // Start and keep running while Redis is down: callers get UNAVAILABLE, and the multiplexer reconnects on its own.
        config.AbortOnConnectFail = false;

        // Queued commands would turn an outage into deadline misses; failing at once lets the gateway answer UNAVAILABLE fast.
        config.BacklogPolicy = BacklogPolicy.FailFast;

        // The default back-off grows to tens of seconds; a restarted Redis should be used again within about a second.
        config.ReconnectRetryPolicy = new LinearRetry(500);
        config.ClientName ??= clientName;
        if (!string.IsNullOrWhiteSpace(options.CaCertificateFile))
        {
            // A private CA: the server's chain must end at this certificate (the system store is not consulted).
            config.TrustIssuer(options.CaCertificateFile);
        }

        return config;
    }

    /// <param name="logger">Told once, at start, when Redis refuses the credentials (the process keeps retrying).</param>
    public static ConnectionMultiplexer Connect(RedisOptions options, string clientName, ILogger? logger = null)
    {
        var redis = ConnectionMultiplexer.Connect(Options(options, clientName));
        if (logger is not null && !redis.IsConnected && RedisFailures.Probe(redis) is { } failure && RedisFailures.IsAuthentication(failure))
        {
            QueueingLog.AuthenticationFailedAtStart(logger, failure, string.Join(",", redis.GetEndPoints().Select(e => e.ToString())));
        }

        return redis;
    }
}
