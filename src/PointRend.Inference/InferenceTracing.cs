using System.Diagnostics;

namespace PointRend.Inference;

/// <summary>
/// Spans of one request's pipeline: <c>pointrend.segment</c> with children <c>pointrend.decode</c>,
/// <c>pointrend.coarse</c>, <c>pointrend.refine</c> and <c>pointrend.encode</c> (the stages of Timings). Free when
/// nothing listens: StartActivity returns null and no tag is set.
/// </summary>
public static class InferenceTracing
{
    /// <summary>Name of the <see cref="ActivitySource"/> of the pipeline's spans.</summary>
    public const string SourceName = "PointRend.Inference";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? Start(string stage) => Source.StartActivity(stage);
}
