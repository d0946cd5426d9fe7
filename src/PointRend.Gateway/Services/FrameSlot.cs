using PointRend.Contracts.V1;

namespace PointRend.Gateway.Services;

/// <summary>
/// One frame's place in a stream's answer order: its early (progressive, coarse) answer, if any, and its final one.
/// The writer awaits them in that order, so answers leave in arrival order whatever finishes first.
/// </summary>
internal sealed class FrameSlot(Frame frame, DateTime arrived)
{
    private Frame? _frame = frame;

    public ulong Sequence { get; } = frame.Sequence;

    /// <summary>Capture time when the client set one, else arrival at the server: what max_age counts from.</summary>
    public DateTime Born { get; } = frame.CaptureTime?.ToDateTime() ?? arrived;

    /// <summary>Null when the frame has no early answer; set before or with <see cref="Final"/>.</summary>
    public TaskCompletionSource<SegmentStreamResponse?> Early { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<SegmentStreamResponse> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hands the frame over once, so a slot whose answer waits behind earlier frames holds no image.</summary>
    public Frame Take()
    {
        var taken = _frame ?? throw new InvalidOperationException($"frame {Sequence} was already started or dropped");
        _frame = null;
        return taken;
    }

    /// <summary>Answers without running: dropped frames have a status and nothing else.</summary>
    public void Skip(FrameStatus status)
    {
        _frame = null;
        Early.TrySetResult(null);
        Final.TrySetResult(new SegmentStreamResponse { Sequence = Sequence, Status = status });
    }
}
