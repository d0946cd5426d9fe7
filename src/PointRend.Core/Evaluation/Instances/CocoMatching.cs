// Shape shorthand: D detections of one image (sorted by score, at most maxDets), G ground truths, T IoU thresholds.
// cocoeval.evaluateImg for one category without crowd regions: ground truths outside the area range are ignored
// (sorted last), each detection in score order takes the unmatched ground truth of highest IoU >= t (a later one
// with an equal IoU wins), preferring non-ignored ones; a detection matched to an ignored ground truth, or unmatched
// and outside the area range, is ignored.
namespace PointRend.Core.Evaluation.Instances;

/// <summary>One image's matches at every IoU threshold, for one area range.</summary>
/// <param name="Scores">D scores, descending.</param>
/// <param name="Matched">T x D, row-major: detection d is a true positive at threshold t.</param>
/// <param name="Ignored">T x D: detection d counts neither way at threshold t.</param>
/// <param name="GroundTruths">Ground truths inside the area range (cocoeval's npig share).</param>
public sealed record ImageMatches(double[] Scores, bool[] Matched, bool[] Ignored, int GroundTruths);

/// <summary>cocoeval's per-image greedy matching.</summary>
public static class CocoMatching
{
    /// <summary>.50:.05:.95, computed as numpy.linspace computes them (0.8999999999999999 included).</summary>
    public static IReadOnlyList<double> IoUThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>0:.01:1, the recall points precision is read at (numpy.linspace's values).</summary>
    public static IReadOnlyList<double> RecallPoints { get; } = Linspace(0, 1, 101);

    /// <summary>
    /// Matches D detections, already sorted by descending score (stable) and cut to maxDets, against G ground truths.
    /// </summary>
    /// <param name="ious">D x G, row-major.</param>
    /// <param name="scores">D scores, descending.</param>
    /// <param name="detectionAreas">D areas (mask pixels for masks, w * h for boxes).</param>
    /// <param name="groundTruthAreas">G areas (mask pixels).</param>
    public static ImageMatches Match(ReadOnlySpan<double> ious, ReadOnlySpan<double> scores, ReadOnlySpan<double> detectionAreas,
        ReadOnlySpan<double> groundTruthAreas, AreaRange range)
    {
        int d = scores.Length, g = groundTruthAreas.Length, t = IoUThresholds.Count;
        if (ious.Length != d * g || detectionAreas.Length != d)
        {
            throw new ArgumentException($"expected {d} x {g} IoUs and {d} areas, got {ious.Length} and {detectionAreas.Length}");
        }

        // Ground truths in the range first, each group in its original order (cocoeval's stable argsort of gtIg).
        Span<int> order = g <= 256 ? stackalloc int[g] : new int[g];
        Span<bool> ignoredGt = g <= 256 ? stackalloc bool[g] : new bool[g];
        var kept = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var j = 0; j < g; j++)
            {
                var inside = range.Contains(groundTruthAreas[j]);
                if (inside == (pass == 0))
                {
                    ignoredGt[kept] = !inside;
                    order[kept++] = j;
                }
            }
        }

        var inRange = 0;
        foreach (var ignored in ignoredGt)
        {
            inRange += ignored ? 0 : 1;
        }

        var matched = new bool[t * d];
        var ignoredDt = new bool[t * d];
        Span<bool> taken = g <= 256 ? stackalloc bool[g] : new bool[g];
        for (var ti = 0; ti < t; ti++)
        {
            taken.Clear();
            for (var di = 0; di < d; di++)
            {
                var best = Math.Min(IoUThresholds[ti], 1 - 1e-10);
                var m = -1;
                for (var gi = 0; gi < g; gi++)
                {
                    if (taken[gi])
                    {
                        continue;
                    }

                    // Once matched to a ground truth in the range, never trade it for an ignored one.
                    if (m > -1 && !ignoredGt[m] && ignoredGt[gi])
                    {
                        break;
                    }

                    var iou = ious[(di * g) + order[gi]];
                    if (iou < best)
                    {
                        continue;
                    }

                    best = iou;
                    m = gi;
                }

                if (m == -1)
                {
                    ignoredDt[(ti * d) + di] = !range.Contains(detectionAreas[di]);
                    continue;
                }

                matched[(ti * d) + di] = true;
                ignoredDt[(ti * d) + di] = ignoredGt[m];
                taken[m] = true;
            }
        }

        return new ImageMatches(scores.ToArray(), matched, ignoredDt, inRange);
    }

    /// <summary>numpy.linspace(start, stop, num): i * step + start, the last value exactly stop.</summary>
    private static double[] Linspace(double start, double stop, int num)
    {
        var step = (stop - start) / (num - 1);
        var values = new double[num];
        for (var i = 0; i < num; i++)
        {
            values[i] = (i * step) + start;
        }

        values[^1] = stop;
        return values;
    }
}
