// Shape shorthand: R detections, C = InChannels (fine channels + 1 coarse logit), P points per detection.
// Coordinates: none; the head sees features already sampled at the points.
namespace PointRend.Core.Instances;

/// <summary>
/// An instance model's point head as <see cref="MlpPointHead"/> (one class: the mask logit; the coarse logit is the
/// last input channel and is re-read by every layer). A step's batch of R x C x P is R channel-major blocks of P
/// points, so each detection is one <see cref="MlpPointHead.Predict"/> over its own block: the same numbers as one
/// call over R * P points would give, with no copy into a C x (R * P) layout.
/// </summary>
public sealed class MlpBoxPointHead : IBoxPointHead
{
    public MlpBoxPointHead(MlpPointHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (head.Classes != 1)
        {
            throw new ArgumentException($"An instance point head predicts one mask logit per point, not {head.Classes}.", nameof(head));
        }

        Head = head;
    }

    public MlpPointHead Head { get; }

    public int InChannels => Head.InChannels;

    public void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, Span<float> pointLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(detections);
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        int block = InChannels * points;
        if (pointFeatures.Length < (long)detections * block || pointLogits.Length < (long)detections * points)
        {
            throw new ArgumentException($"Buffers hold {pointFeatures.Length} features and {pointLogits.Length} logits; {detections} x {points} points need {(long)detections * block} and {(long)detections * points}.");
        }

        for (int r = 0; r < detections; r++)
        {
            Head.Predict(pointFeatures.Slice(r * block, block), points, pointLogits.Slice(r * points, points));
        }
    }
}
