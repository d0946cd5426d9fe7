// Shape shorthand: K classes, C = InChannels, P points; buffers are channel-major ([c * P + p]).
// Coordinates: none; the head sees features already sampled at the points.
namespace PointRend.Core;

/// <summary>The per-point classifier (point_head.onnx in production, a fake in tests).</summary>
public interface IPointHead
{
    /// <summary>Sum of the feature channels plus Classes (the coarse logits come last).</summary>
    int InChannels { get; }

    /// <summary>K, the number of classes.</summary>
    int Classes { get; }

    /// <summary>
    /// pointFeatures: InChannels x points, channel-major ([c * points + p]); pointLogits: Classes x points.
    /// The renderer never passes more than <see cref="SubdivisionRenderer.MaxPointsPerPredict"/> points and
    /// does not clear pointLogits, so the head must write every element.
    /// </summary>
    void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits);
}
