using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>Not ready without Redis: in distributed mode nothing can be served while it is unreachable.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            var failure = RedisFailures.Probe(redis);
            return RedisFailures.IsAuthentication(failure)
                ? HealthCheckResult.Unhealthy("Redis refused the credentials in Redis:Configuration (authentication failure)", failure)
                : HealthCheckResult.Unhealthy("Redis is not connected", failure);
        }

        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (RedisException ex)
        {
            return HealthCheckResult.Unhealthy("Redis ping failed", ex);
        }
    }
}
