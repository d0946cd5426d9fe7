using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PointRend.Gateway.Security;

/// <summary>
/// <see cref="CallerLimitsOptions"/> enforced per caller: a token bucket for the rate and a counter of open calls, one
/// of each per caller name, created on first use and dropped by the limiter once idle.
/// </summary>
public sealed class CallerLimits : IDisposable
{
    /// <summary>The partitioned limiter replenishes every 100 ms, so a bucket gets its tokens in steps of about that.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private readonly CallerLimitsOptions _options;
    private readonly PartitionedRateLimiter<string>? _rate;
    private readonly PartitionedRateLimiter<string>? _open;

    public CallerLimits(IOptions<CallerLimitsOptions> options)
    {
        _options = options.Value;
        if (_options.CallsPerSecond > 0)
        {
            var tokensPerStep = Math.Max(1, (int)Math.Round(_options.CallsPerSecond * Step.TotalSeconds));
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = _options.EffectiveBurst,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerStep / _options.CallsPerSecond),
                QueueLimit = 0,
                AutoReplenishment = false, // the partitioned limiter's own timer replenishes every partition
            };
            _rate = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => bucket));
        }

        if (_options.MaxConcurrentCalls > 0)
        {
            var open = new ConcurrencyLimiterOptions { PermitLimit = _options.MaxConcurrentCalls, QueueLimit = 0 };
            _open = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetConcurrencyLimiter(caller, _ => open));
        }
    }

    /// <summary>Calls <paramref name="caller"/> may still open now (null without a concurrency limit); for tests.</summary>
    public long? AvailableCalls(string caller) => _open?.GetStatistics(caller)?.CurrentAvailablePermits;

    /// <summary>Takes one call's permits; dispose the result when the call ends.</summary>
    /// <exception cref="PointRend.Contracts.SegmentationException">RESOURCE_EXHAUSTED (RATE_LIMIT, CONCURRENCY_LIMIT) with a retry delay.</exception>
    public IDisposable? Enter(string caller)
    {
        if (_rate is not null)
        {
            using var token = _rate.AttemptAcquire(caller);
            if (!token.IsAcquired)
            {
                var retry = token.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : Step;
                throw SecurityErrors.RateLimited(caller, _options, retry);
            }
        }

        if (_open is null)
        {
            return null;
        }

        var lease = _open.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw SecurityErrors.TooManyCalls(caller, _options);
        }

        return lease;
    }

    public void Dispose()
    {
        _rate?.Dispose();
        _open?.Dispose();
    }
}
