// Shape shorthand: T IoU thresholds x R = 101 recall points; N detections of all images together.
// cocoeval.accumulate and summarize for one category, one area range, one maxDets: the images' detections merged
// by score (stable, image order first), cumulative true and false positives (ignored detections count as
// neither), precision made monotone from the right and read at the first index whose recall >= each recall point
// (0 past the last); AP = mean over T x R. -1 when no ground truth is in the range (cocoeval's "undefined").
namespace PointRend.Core.Evaluation.Instances;

/// <summary>Average precision over the images' matches.</summary>
public static class CocoAccumulation
{
    // numpy.spacing(1), cocoeval's guard against 0 / 0 in tp / (tp + fp).
    private const double NumpySpacingOfOne = 2.220446049250313e-16;

    /// <summary>T x R precision, row-major, or null when no ground truth counts (npig == 0).</summary>
    public static double[]? Precision(IReadOnlyList<ImageMatches> images)
    {
        int t = CocoMatching.IoUThresholds.Count, r = CocoMatching.RecallPoints.Count;
        var groundTruths = 0;
        var n = 0;
        foreach (var image in images)
        {
            groundTruths += image.GroundTruths;
            n += image.Scores.Length;
        }

        if (groundTruths == 0)
        {
            return null;
        }

        // Merged detection order: by descending score, ties in image order then within-image order (mergesort).
        var owner = new (int Image, int Index)[n];
        var scores = new double[n];
        var k = 0;
        for (var i = 0; i < images.Count; i++)
        {
            for (var j = 0; j < images[i].Scores.Length; j++)
            {
                owner[k] = (i, j);
                scores[k++] = images[i].Scores[j];
            }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray(); // LINQ's sort is stable

        var precision = new double[t * r];
        var recall = new double[n];
        var prec = new double[n];
        for (var ti = 0; ti < t; ti++)
        {
            double tp = 0, fp = 0;
            var m = 0;
            foreach (var o in order)
            {
                var (image, index) = owner[o];
                var d = images[image].Scores.Length;
                if (!images[image].Ignored[(ti * d) + index])
                {
                    if (images[image].Matched[(ti * d) + index])
                    {
                        tp++;
                    }
                    else
                    {
                        fp++;
                    }
                }

                recall[m] = tp / groundTruths;
                prec[m++] = tp / (fp + tp + NumpySpacingOfOne);
            }

            for (var i = n - 1; i > 0; i--)
            {
                if (prec[i] > prec[i - 1])
                {
                    prec[i - 1] = prec[i];
                }
            }

            var p = 0;
            for (var ri = 0; ri < r; ri++)
            {
                // numpy.searchsorted(recall, point, side="left") over the non-decreasing recalls
                while (p < n && recall[p] < CocoMatching.RecallPoints[ri])
                {
                    p++;
                }

                precision[(ti * r) + ri] = p < n ? prec[p] : 0;
            }
        }

        return precision;
    }

    /// <summary>AP, AP50 and AP75 (fractions, -1 when undefined) from <see cref="Precision"/>'s table.</summary>
    public static (double Ap, double Ap50, double Ap75) Summarize(double[]? precision)
    {
        if (precision is null)
        {
            return (-1, -1, -1);
        }

        var r = CocoMatching.RecallPoints.Count;
        return (precision.Average(), Row(precision, 0, r), Row(precision, 5, r));
    }

    private static double Row(double[] precision, int threshold, int r)
    {
        var sum = 0.0;
        foreach (var p in precision.AsSpan(threshold * r, r))
        {
            sum += p;
        }

        return sum / r;
    }
}
