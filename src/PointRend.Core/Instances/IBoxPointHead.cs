// Shape shorthand: R detections, C = InChannels (fine channels + 1 coarse logit), P points per detection.
// Coordinates: none; the head sees features already sampled at the points.
namespace PointRend.Core.Instances;

/// <summary>The instance point head (point_head.onnx of a task: instance model, a fake in tests), one logit per point.</summary>
public interface IBoxPointHead
{
    /// <summary>Sum of the fine feature channels plus 1 (the coarse mask logit comes last).</summary>
    int InChannels { get; }

    /// <summary>
    /// Threads one call may use. <see cref="MaskRefiner"/> shares a step's per-detection work around the head
    /// (upsampling, selection, sampling) among as many, so that work gets the cores the head gets.
    /// </summary>
    int Threads => 1;

    /// <summary>
    /// pointFeatures: R x InChannels x P ([(r * InChannels + c) * P + p]); pointLogits: R x P. Called with every
    /// detection of a step at once (up to <see cref="MaskRefiner.MaxPointsPerPredict"/> points in all); the head
    /// must write every element of pointLogits.
    /// </summary>
    void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, Span<float> pointLogits);

    /// <summary>
    /// <see cref="Predict(ReadOnlySpan{float}, int, int, Span{float})"/> where detection r needs only its first
    /// counts[r] points (MaskRefineOptions.RefineBound's ragged steps); the other logits are not read. By default all are computed.
    /// </summary>
    void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, ReadOnlySpan<int> counts, Span<float> pointLogits) =>
        Predict(pointFeatures, detections, points, pointLogits);
}
