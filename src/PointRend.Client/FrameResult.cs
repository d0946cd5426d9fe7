using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>The answer for one frame of a video stream, in the order the frames were sent.</summary>
/// <param name="Sequence">The frame's <see cref="Frame.Sequence"/>, echoed.</param>
/// <param name="Status">Processed, failed, or dropped as stale (<see cref="StreamPolicy.Latest"/>, <see cref="StreamConfig.MaxAge"/>).</param>
/// <param name="Result">The segmentation, when <see cref="FrameStatus.Processed"/>.</param>
/// <param name="Error">Why the frame failed, when <see cref="FrameStatus.Failed"/>; the stream goes on.</param>
/// <param name="State">The stream's state when the answer left, so a sender can adapt its rate.</param>
public sealed record FrameResult(ulong Sequence, FrameStatus Status, SegmentResponse? Result, PointRendException? Error, StreamState? State)
{
    /// <summary>True when <see cref="Result"/> holds the frame's segmentation.</summary>
    public bool IsProcessed => Status == FrameStatus.Processed;

    internal static FrameResult From(SegmentStreamResponse answer) => new(
        answer.Sequence,
        answer.Status,
        answer.Status == FrameStatus.Processed ? answer.Result : null,
        answer.Error is null ? null : PointRendException.From(answer.Error),
        answer.State);
}
