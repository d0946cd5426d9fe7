using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Queueing.Caching;

/// <summary>
/// Answers a request seen before from <see cref="IResultCache"/> without touching a worker; otherwise runs it and
/// stores the response. Wraps either runner, so both modes cache the same way.
/// </summary>
public sealed class CachingJobRunner(ISegmentJobRunner inner, IResultCache cache, IModelVersions models, TimeProvider? time = null) : ISegmentJobRunner
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken)
    {
        var deadlineUtc = context.DeadlineUtc;
        if (deadlineUtc <= _time.GetUtcNow().UtcDateTime)
        {
            // An expired request gets DEADLINE_EXCEEDED from the runner, never a cached answer.
            return await inner.RunAsync(request, context, cancellationToken).ConfigureAwait(false);
        }

        var model = await models.ResolveAsync(request.Options?.Model ?? string.Empty, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            // Unknown model or no worker registered yet: let the runner give the real answer, uncached.
            return await inner.RunAsync(request, context, cancellationToken).ConfigureAwait(false);
        }

        var key = ResultCacheKey.Compute(model.Value.Name, model.Value.Version, request.Options, request.Image);
        var hit = await cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
        QueueMetrics.Cache.WithLabels(hit is null ? "miss" : "hit").Inc();
        if (hit is not null)
        {
            hit.CorrelationId = request.CorrelationId;
            hit.CacheHit = true;
            hit.Timings ??= new Timings();
            hit.Timings.QueueMs = 0;
            return hit;
        }

        var response = await inner.RunAsync(request, context, cancellationToken).ConfigureAwait(false);

        // Keyed by what actually ran: a worker on another version must not fill this version's entry.
        if (response.Model == model.Value.Name && response.ModelVersion == model.Value.Version)
        {
            await cache.SetAsync(key, response, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }
}
