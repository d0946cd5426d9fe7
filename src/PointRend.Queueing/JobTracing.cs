using System.Diagnostics;

namespace PointRend.Queueing;

/// <summary>
/// Spans of a job's trip through the queue, and the W3C trace context that carries one trace across it: the gateway
/// writes its current span's <c>traceparent</c> (and <c>tracestate</c>) into the job entry, the worker continues the
/// trace from them. Free when nothing listens (no exporter configured): StartActivity returns null.
/// </summary>
public static class JobTracing
{
    /// <summary>Name of the <see cref="ActivitySource"/> of the queue's spans.</summary>
    public const string SourceName = "PointRend.Queueing";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The gateway's span from enqueue to result read (OTel messaging: a producer).</summary>
    public static Activity? StartPublish(string queue, string jobId, string correlationId)
    {
        var activity = Source.StartActivity("pointrend.jobs publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", jobId);
        activity?.SetTag("pointrend.correlation_id", correlationId);
        return activity;
    }

    /// <summary>The trace context to store with a job: the current span's, or nothing when there is none.</summary>
    public static (string TraceParent, string TraceState) Current()
    {
        var activity = Activity.Current;
        return activity is null || activity.IdFormat != ActivityIdFormat.W3C
            ? (string.Empty, string.Empty)
            : (activity.Id!, activity.TraceStateString ?? string.Empty);
    }

    /// <summary>The context a job carried; default (a new trace) when it carried none or an unreadable one.</summary>
    public static ActivityContext Parent(string? traceParent, string? traceState) =>
        !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;

    /// <summary>
    /// The time the job waited in the stream, recorded when a worker took it: from its enqueue time (the gateway's
    /// clock) to now (the worker's), so it is as exact as the two clocks agree.
    /// </summary>
    public static void RecordWait(ActivityContext parent, string jobId, DateTimeOffset enqueued, DateTimeOffset taken)
    {
        using var activity = Source.StartActivity("pointrend.jobs wait", ActivityKind.Internal, parent, startTime: enqueued);
        if (activity is not null)
        {
            activity.SetTag("messaging.message.id", jobId);
            activity.SetEndTime(taken.UtcDateTime);
        }
    }

    /// <summary>The worker's span of one job (OTel messaging: a consumer), child of the gateway's publish span.</summary>
    public static Activity? StartProcess(ActivityContext parent, string queue, string jobId, long deliveries)
    {
        var activity = Source.StartActivity("pointrend.jobs process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", jobId);
        activity?.SetTag("messaging.redis.delivery_count", deliveries);
        return activity;
    }
}
