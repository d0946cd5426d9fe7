// Shape shorthand: R detections, C = InChannels (fine channels + 1 coarse logit), P points per detection.
// Coordinates: none; the head sees features already sampled at the points.
namespace PointRend.Core.Instances;

/// <summary>
/// An instance model's point head as <see cref="MlpPointHead"/> (one class: the mask logit; the coarse logit is the
/// last input channel and is re-read by every layer). A step's batch of R x C x P is R channel-major blocks of P
/// points, so each detection is one <see cref="MlpPointHead.Predict"/> over its own block: the same numbers as one
/// call over R * P points would give, with no copy into a C x (R * P) layout. With <see cref="Threads"/> &gt; 1 the
/// detections of a call are shared among that many threads; each detection's logits are the same numbers whichever
/// thread computes them.
/// </summary>
public sealed class MlpBoxPointHead : IBoxPointHead
{
    private readonly ParallelOptions _parallel;

    /// <param name="threads">Threads one call may use (1 = the caller's only). The engine passes ONNX Runtime's
    /// intra-op thread count, so the MLP and ORT heads (and the detector) are compared on the same cores.</param>
    public MlpBoxPointHead(MlpPointHead head, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        if (head.Classes != 1)
        {
            throw new ArgumentException($"An instance point head predicts one mask logit per point, not {head.Classes}.", nameof(head));
        }

        Head = head;
        Threads = threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public MlpPointHead Head { get; }

    /// <summary>Most threads one <see cref="Predict"/> uses.</summary>
    public int Threads { get; }

    public int InChannels => Head.InChannels;

    public void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, Span<float> pointLogits) =>
        Run(pointFeatures, detections, points, default, pointLogits);

    /// <summary>Only the first counts[r] points of detection r are computed (padding costs nothing).</summary>
    public void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, ReadOnlySpan<int> counts, Span<float> pointLogits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(counts.Length, detections);
        Run(pointFeatures, detections, points, counts, pointLogits);
    }

    /// <param name="counts">Empty: every point of each detection; else detection r's first counts[r].</param>
    private void Run(ReadOnlySpan<float> pointFeatures, int detections, int points, ReadOnlySpan<int> counts, Span<float> pointLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(detections);
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        int block = InChannels * points;
        if (pointFeatures.Length < (long)detections * block || pointLogits.Length < (long)detections * points)
        {
            throw new ArgumentException($"Buffers hold {pointFeatures.Length} features and {pointLogits.Length} logits; {detections} x {points} points need {(long)detections * block} and {(long)detections * points}.");
        }

        if (Threads > 1 && detections > 1)
        {
            PredictInParallel(pointFeatures, detections, points, counts, pointLogits);
            return;
        }

        for (int r = 0; r < detections; r++)
        {
            var input = pointFeatures.Slice(r * block, block);
            var output = pointLogits.Slice(r * points, points);
            if (counts.IsEmpty)
            {
                Head.Predict(input, points, output);
            }
            else
            {
                Head.PredictFirst(input, points, counts[r], output);
            }
        }
    }

    /// <summary>
    /// One detection per iteration, claimed dynamically: when the machine is busy and the second thread starts late,
    /// the caller takes the remaining detections itself instead of waiting for a fixed half.
    /// </summary>
    private unsafe void PredictInParallel(ReadOnlySpan<float> pointFeatures, int detections, int points, ReadOnlySpan<int> counts, Span<float> pointLogits)
    {
        // Spans cannot reach another thread; the buffers stay pinned until Parallel.For has returned.
        fixed (float* features = pointFeatures)
        fixed (float* logits = pointLogits)
        fixed (int* firsts = counts)
        {
            var job = new Job(Head, features, logits, firsts, points);
            Parallel.For(0, detections, _parallel, job.Run);
        }
    }

    /// <param name="counts">Null: every point of each detection; else detection r's first counts[r].</param>
    private sealed unsafe class Job(MlpPointHead head, float* features, float* logits, int* counts, int points)
    {
        private readonly int _block = head.InChannels * points;

        public void Run(int r)
        {
            var input = new ReadOnlySpan<float>(features + ((long)r * _block), _block);
            var output = new Span<float>(logits + ((long)r * points), points);
            if (counts is null)
            {
                head.Predict(input, points, output);
            }
            else
            {
                head.PredictFirst(input, points, counts[r], output);
            }
        }
    }
}
