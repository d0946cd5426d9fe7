using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>The answer for one frame of a video stream, in the order the frames were sent.</summary>
/// <param name="Sequence">The frame's <see cref="Frame.Sequence"/>, echoed.</param>
/// <param name="Status">Processed, degraded (coarse under overload, <see cref="StreamConfig.Degrade"/>), failed, or dropped as
/// stale (<see cref="StreamPolicy.Latest"/>, <see cref="StreamConfig.MaxAge"/>) or overflowing (<see cref="StreamConfig.MaxWaiting"/>).</param>
/// <param name="Result">The segmentation, when <see cref="FrameStatus.Processed"/> or <see cref="FrameStatus.Degraded"/>.</param>
/// <param name="Error">Why the frame failed, when <see cref="FrameStatus.Failed"/>; the stream goes on.</param>
/// <param name="State">The stream's state when the answer left, so a sender can adapt its rate.</param>
/// <param name="Stage"><see cref="ResultStage.Coarse"/> for a progressive stream's early answer (the frame's final one follows), else final.</param>
public sealed record FrameResult(ulong Sequence, FrameStatus Status, SegmentResponse? Result, PointRendException? Error, StreamState? State, ResultStage Stage)
{
    /// <summary>True when <see cref="Result"/> holds the frame's segmentation.</summary>
    public bool IsProcessed => Status == FrameStatus.Processed;

    /// <summary>True for a progressive stream's coarse answer; the same frame's final answer comes later.</summary>
    public bool IsEarly => Stage == ResultStage.Coarse;

    internal static FrameResult From(SegmentStreamResponse answer) => new(
        answer.Sequence,
        answer.Status,
        answer.Status is FrameStatus.Processed or FrameStatus.Degraded ? answer.Result : null,
        answer.Error is null ? null : PointRendException.From(answer.Error),
        answer.State,
        answer.Stage);
}
