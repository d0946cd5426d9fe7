using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Options;
using PointRend.Inference.Validation;

namespace PointRend.Gateway.Admission;

/// <summary>
/// The edge's door: a request is validated (options against model.json, the image by its header), priced, and
/// charged to its caller before anything is hashed, cached or queued. What one cheap request may make the pool do
/// is bounded by <see cref="GatewayOptions.MaxRequestCost"/>, what one caller may have outstanding by
/// <see cref="GatewayOptions.MaxCallerCost"/>; sharing the workers between callers is <c>FairShareJobRunner</c>'s part.
/// </summary>
public sealed class RequestAdmission(RequestValidator validator, IOptions<GatewayOptions> options)
{
    /// <summary>A caller who is over budget can retry once some of its work is answered; a frame takes tens of ms.</summary>
    private static readonly TimeSpan CallerRetry = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<string, long> _outstanding = new(StringComparer.Ordinal);

    /// <summary>Work units accepted and not yet answered for <paramref name="caller"/>.</summary>
    public long Outstanding(string caller) => _outstanding.GetValueOrDefault(caller);

    /// <exception cref="SegmentationException">INVALID_ARGUMENT / NOT_FOUND for a bad request; RESOURCE_EXHAUSTED
    /// (COST_LIMIT, CALLER_LIMIT) when it costs too much alone or on top of the caller's outstanding work.</exception>
    public Ticket Admit(Image? image, SegmentOptions? segmentOptions, string caller)
    {
        var plan = validator.Validate(image, segmentOptions);
        var o = options.Value;
        if (plan.Cost > o.MaxRequestCost)
        {
            throw new SegmentationException(
                SegmentationErrorKind.ResourceExhausted,
                ErrorReason.CostLimit,
                $"the request would cost {plan.Cost:N0} work units ({plan.InputWidth}x{plan.InputHeight} in, {plan.OutputWidth}x{plan.OutputHeight} out, " +
                $"{plan.Work}); one request may cost " +
                $"{o.MaxRequestCost:N0} ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxRequestCost)}): send a smaller image or output, " +
                "or fewer steps or points");
        }

        var total = _outstanding.AddOrUpdate(caller, plan.Cost, (_, v) => v + plan.Cost);
        if (total > o.MaxCallerCost)
        {
            Release(caller, plan.Cost);
            throw new SegmentationException(
                SegmentationErrorKind.ResourceExhausted,
                ErrorReason.CallerLimit,
                $"this caller already has {total - plan.Cost:N0} work units accepted and unanswered; with this request's {plan.Cost:N0} that exceeds " +
                $"{o.MaxCallerCost:N0} ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxCallerCost)}); retry when earlier requests are answered",
                retryAfter: CallerRetry);
        }

        return new Ticket(this, caller, plan);
    }

    private void Release(string caller, long cost)
    {
        // Remove the entry at zero so the table holds only callers with work outstanding.
        if (_outstanding.AddOrUpdate(caller, 0, (_, v) => v - cost) <= 0)
        {
            _outstanding.TryRemove(new KeyValuePair<string, long>(caller, 0));
        }
    }

    /// <summary>An admitted request; disposing it (when the answer leaves) gives its cost back to the caller's budget.</summary>
    public sealed class Ticket(RequestAdmission owner, string caller, RequestPlan plan) : IDisposable
    {
        private int _released;

        public RequestPlan Plan => plan;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(caller, plan.Cost);
            }
        }
    }
}
