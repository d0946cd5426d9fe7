// Shape shorthand: K classes, H x W label maps of bytes, row-major [y * W + x]; confusion is K x K, [gt * K + pred].
// Coordinates: pixel lattice; distances (trimap band, BF tolerance) are Euclidean, in pixels, inclusive (<=).
using System.Buffers;

namespace PointRend.Core.Evaluation;

/// <summary>
/// Accumulates segmentation scores over images. Pixels whose ground truth is ignoreId or &gt;= K, or whose
/// prediction is &gt;= K, are skipped everywhere.
/// IoU per class = TP / (TP + FP + FN) over the summed confusion, NaN when the class is in neither prediction nor
/// ground truth; mIoU = mean of the non-NaN entries.
/// Trimap: the same, over pixels within bandPx (Euclidean) of a ground-truth boundary (<see cref="BoundaryMaps.LabelBoundary"/>).
/// BF (Csurka et al. 2013), the variant implemented: per image and per class present in the ground truth,
/// theta = boundaryTolerance x image diagonal; GT boundary = <see cref="BoundaryMaps.ClassBoundary"/> with valid
/// neighbours, predicted boundary = pixels predicted as the class, at valid pixels, with a 4-neighbour predicted otherwise; precision = share of predicted boundary
/// pixels within theta of a GT boundary pixel, recall the converse; F1 = 2PR / (P + R), 1 when both boundaries are
/// empty, 0 when exactly one is. Averaged over the images where the class is present, then over classes.
/// Not thread-safe: one instance per evaluation run (or one per thread, merged by the caller).
/// </summary>
public sealed class SegmentationMetrics
{
    private readonly long[] _confusion;
    private readonly long[] _trimap;
    private readonly double[] _boundaryF1Sum;
    private readonly int[] _boundaryImages;

    public SegmentationMetrics(int classes, int ignoreId = 11, int bandPx = 8, double boundaryTolerance = 0.0075)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        ArgumentOutOfRangeException.ThrowIfNegative(bandPx);
        ArgumentOutOfRangeException.ThrowIfNegative(boundaryTolerance);
        Classes = classes;
        IgnoreId = ignoreId;
        BandPx = bandPx;
        BoundaryTolerance = boundaryTolerance;
        _confusion = new long[classes * classes];
        _trimap = new long[classes * classes];
        _boundaryF1Sum = new double[classes];
        _boundaryImages = new int[classes];
    }

    public int Classes { get; }

    public int IgnoreId { get; }

    public int BandPx { get; }

    public double BoundaryTolerance { get; }

    public int Images { get; private set; }

    /// <summary>Scored pixels seen so far.</summary>
    public long Pixels { get; private set; }

    /// <summary>Pixels with this ground truth and this prediction, summed over all images.</summary>
    public long Confusion(int groundTruth, int prediction) => _confusion[groundTruth * Classes + prediction];

    public void Add(ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> groundTruth, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int pixels = checked(width * height);
        if (prediction.Length != pixels || groundTruth.Length != pixels)
        {
            throw new ArgumentException($"A {width}x{height} image has {pixels} pixels; got {prediction.Length} predicted and {groundTruth.Length} ground-truth labels.");
        }

        byte[] valid = ArrayPool<byte>.Shared.Rent(pixels);
        byte[] boundary = ArrayPool<byte>.Shared.Rent(pixels);
        byte[] other = ArrayPool<byte>.Shared.Rent(pixels);
        float[] distance = ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            BoundaryMaps.ValidMask(groundTruth, Classes, IgnoreId, valid);
            Span<bool> present = stackalloc bool[Classes];
            for (int i = 0; i < pixels; i++)
            {
                if (valid[i] == 0)
                {
                    continue;
                }

                present[groundTruth[i]] = true;
                if (prediction[i] < Classes)
                {
                    _confusion[groundTruth[i] * Classes + prediction[i]]++;
                    Pixels++;
                }
            }

            BoundaryMaps.LabelBoundary(groundTruth, valid, width, height, boundary);
            DistanceTransform.SquaredEuclidean(boundary, width, height, distance);
            float band = (float)BandPx * BandPx;
            for (int i = 0; i < pixels; i++)
            {
                if (valid[i] != 0 && prediction[i] < Classes && distance[i] <= band)
                {
                    _trimap[groundTruth[i] * Classes + prediction[i]]++;
                }
            }

            // Prediction edges: every label change at a scored pixel (predictions label every pixel, so any
            // neighbour counts); ground-truth edges are the trimap's boundary map computed above.
            BoundaryMaps.ClassBoundary(prediction, valid, width, height, -1, neighbourMustBeValid: false, other);
            double theta = BoundaryTolerance * Math.Sqrt((double)width * width + (double)height * height);
            using var gtEdges = new EdgeIndex(boundary, groundTruth, Classes, width, height);
            using var predEdges = new EdgeIndex(other, prediction, Classes, width, height);
            for (int c = 0; c < Classes; c++)
            {
                if (present[c])
                {
                    _boundaryF1Sum[c] += BoundaryF1.Score(gtEdges, predEdges, c, theta);
                    _boundaryImages[c]++;
                }
            }

            Images++;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(valid);
            ArrayPool<byte>.Shared.Return(boundary);
            ArrayPool<byte>.Shared.Return(other);
            ArrayPool<float>.Shared.Return(distance);
        }
    }

    public SegmentationReport Report()
    {
        var iou = PerClassIoU(_confusion);
        var trimap = PerClassIoU(_trimap);
        var bf = new double[Classes];
        for (int c = 0; c < Classes; c++)
        {
            bf[c] = _boundaryImages[c] == 0 ? double.NaN : _boundaryF1Sum[c] / _boundaryImages[c];
        }

        return new SegmentationReport(MeanOfPresent(iou), iou, MeanOfPresent(trimap), trimap, MeanOfPresent(bf), bf, Images, Pixels);
    }

    private double[] PerClassIoU(long[] confusion)
    {
        var iou = new double[Classes];
        for (int c = 0; c < Classes; c++)
        {
            long tp = confusion[c * Classes + c];
            long union = -tp;
            for (int o = 0; o < Classes; o++)
            {
                union += confusion[c * Classes + o] + confusion[o * Classes + c];
            }

            iou[c] = union == 0 ? double.NaN : (double)tp / union;
        }

        return iou;
    }

    private static double MeanOfPresent(double[] values)
    {
        double sum = 0;
        int count = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }

}
