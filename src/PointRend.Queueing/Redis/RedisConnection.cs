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
        if (logger is not null)
        {
            new StartReport(redis, logger).Watch();
        }

        return redis;
    }

    /// <summary>
    /// Connect can return before the first handshake has failed (a slow start, a busy machine), and a refused retry
    /// raises no event: so while Redis has not been reached, the start keeps probing for a short while.
    /// </summary>
    private sealed class StartReport(ConnectionMultiplexer redis, ILogger logger)
    {
        private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);
        private const int Probes = 40;

        public void Watch()
        {
            if (!Settled())
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        for (var i = 0; i < Probes && !Settled(); i++)
                        {
                            await Task.Delay(Every);
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // the process stopped first
                    }
                });
            }
        }

        /// <returns>True once there is nothing left to report: connected, or the refusal told.</returns>
        private bool Settled()
        {
            if (redis.IsConnected)
            {
                return true;
            }

            if (RedisFailures.Probe(redis) is not { } failure || !RedisFailures.IsAuthentication(failure))
            {
                return false;
            }

            QueueingLog.AuthenticationFailedAtStart(logger, failure, string.Join(",", redis.GetEndPoints().Select(e => e.ToString())));
            return true;
        }
    }
}
