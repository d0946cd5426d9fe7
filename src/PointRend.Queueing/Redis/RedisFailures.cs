using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Tells a Redis that refuses our credentials from one that cannot be reached: the first is a configuration error an
/// operator must fix (the password or ACL user in <c>Redis:Configuration</c>), the second usually heals on its own.
/// </summary>
public static class RedisFailures
{
    /// <summary>True when <paramref name="exception"/> or one it wraps is StackExchange.Redis's AuthenticationFailure
    /// (NOAUTH, WRONGPASS: no password, a wrong one, or an unknown ACL user).</summary>
    public static bool IsAuthentication(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The error a command meets on <paramref name="redis"/> now, or null when it succeeds. While disconnected the
    /// multiplexer fails it at once (BacklogPolicy.FailFast), naming the last connection failure; no round trip.
    /// </summary>
    public static Exception? Probe(IConnectionMultiplexer redis)
    {
        try
        {
            redis.GetDatabase().Ping();
            return null;
        }
        catch (RedisException ex)
        {
            return ex;
        }
    }
}
