using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace PointRend.Client;

/// <summary>
/// Retries a call that failed before any answer arrived, when the failure says a retry may help
/// (<see cref="PointRendException.IsRetryable"/>): after the service's RetryInfo delay when it sent one, else with
/// exponential backoff and jitter; never past the call's deadline, which covers every attempt.
/// </summary>
/// <remarks>
/// A Polly pipeline around the call rather than gRPC's service-config retry policy, which cannot read RetryInfo (it
/// honours only the grpc-retry-pushback-ms trailer) and would retry every RESOURCE_EXHAUSTED, including a request over
/// the cost limit that fails the same way each time; and rather than an HTTP resilience handler, which sees neither the
/// gRPC status nor its details. Every PointRend call is a pure function of its request, so repeating one is safe.
/// </remarks>
internal sealed class CallRetry
{
    private static readonly ResiliencePropertyKey<DateTime?> DeadlineKey = new("pointrend.deadline");
    private static readonly ResiliencePropertyKey<string> MethodKey = new("pointrend.method");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;

    public CallRetry(PointRendClientOptions options, ILogger logger, TimeProvider time)
    {
        _time = time;
        _baseDelay = options.RetryBaseDelay;
        var maxDelay = options.MaxRetryDelay;
        _pipeline = options.MaxRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is PointRendException { IsRetryable: true } ex && HasTimeFor(args.Context, ex)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is PointRendException { RetryDelay: { } delay }
                    ? (TimeSpan?)(delay < maxDelay ? delay : maxDelay)
                    : null),
                OnRetry = args =>
                {
                    var ex = (PointRendException)args.Outcome.Exception!;
                    PointRendClientLog.Retrying(logger, args.Context.Properties.GetValue(MethodKey, "?"), args.AttemptNumber + 1, args.RetryDelay,
                        ex.StatusCode, ex.ReasonName ?? "-", ex.Message);
                    return default;
                },
            }).Build();
    }

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, fails for good, or runs out of retries or time.</summary>
    public async Task<T> ExecuteAsync<T>(string method, DateTime? deadline, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(MethodKey, method);
        context.Properties.Set(DeadlineKey, deadline);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, attempt) => await attempt(ctx.CancellationToken).ConfigureAwait(false), context, attempt)
                .ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>A retry that could only start after the deadline would fail with DEADLINE_EXCEEDED and hide the real cause.</summary>
    private bool HasTimeFor(ResilienceContext context, PointRendException ex) =>
        context.Properties.GetValue(DeadlineKey, null) is not { } deadline
        || deadline - _time.GetUtcNow().UtcDateTime > (ex.RetryDelay ?? _baseDelay);
}
