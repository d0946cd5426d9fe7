// Hand-computed cocoeval cases; the first ones are training/test_evaluate_instance.py's, so both evaluators are
// held to the same numbers. AP figures are fractions here (the Python side reports percent).
using PointRend.Core.Evaluation.Instances;
using static PointRend.Core.Tests.Evaluation.Instances.Masks;

namespace PointRend.Core.Tests.Evaluation.Instances;

public class InstanceEvaluatorTests
{
    private const int Precision = 12;

    [Fact]
    public void PerfectDetection_Is100EverywhereAndUndefinedRangesAreMinusOne()
    {
        var g = Square(20, 20, 5, 5, 10); // 100 px: small
        var r = Evaluate(20, 20, [g], Detection(Square(20, 20, 5, 5, 10), 0.9));
        Assert.Equal(1.0, r.Mask.Ap, Precision);
        Assert.Equal(1.0, r.Boundary.Ap, Precision);
        Assert.Equal(1.0, r.Box.Ap, Precision);
        Assert.Equal(1.0, r.Mask.ApSmall, Precision);
        Assert.Equal(-1, r.Mask.ApMedium);
        Assert.Equal(-1, r.Mask.ApLarge);
    }

    [Fact]
    public void HalfRecall_Reads51Of101RecallPoints()
    {
        var a = Square(40, 40, 0, 0, 10);
        var b = Square(40, 40, 20, 20, 10);
        var r = Evaluate(40, 40, [a, b], Detection(Square(40, 40, 0, 0, 10), 0.9));
        Assert.Equal(51.0 / 101, r.Mask.Ap, Precision);
    }

    [Fact]
    public void IoU06_MatchesAtThreeOfTenThresholds()
    {
        var g = Square(20, 20, 0, 0, 10);
        var d = CroppedMask.FromImage(Rect(20, 20, 0, 0, 10, 6), 20, 20);
        Assert.Equal(0.6, CroppedMask.IoU(d, g), Precision);
        var r = Evaluate(20, 20, [g], Detection(d, 0.9));
        Assert.Equal(0.3, r.Mask.Ap, Precision);
        Assert.Equal(1.0, r.Mask.Ap50, Precision);
        Assert.Equal(0.0, r.Mask.Ap75, Precision);
    }

    [Fact]
    public void FalsePositiveRankedFirst_HalvesPrecision_RankedLastCostsNothing()
    {
        var g = Square(20, 20, 0, 0, 10);
        var fp = Square(20, 20, 12, 12, 5);
        Assert.Equal(0.5, Evaluate(20, 20, [g], Detection(fp, 0.9), Detection(Square(20, 20, 0, 0, 10), 0.8)).Mask.Ap, Precision);
        Assert.Equal(1.0, Evaluate(20, 20, [g], Detection(fp, 0.7), Detection(Square(20, 20, 0, 0, 10), 0.8)).Mask.Ap, Precision);
    }

    [Fact]
    public void Duplicate_IsAFalsePositiveAndTheHigherScoreMatches()
    {
        var m = CocoMatching.Match([1.0, 1.0], [0.9, 0.8], [100, 100], [100], AreaRange.All);
        Assert.All(Enumerable.Range(0, 10), t => Assert.True(m.Matched[(t * 2) + 0]));
        Assert.All(Enumerable.Range(0, 10), t => Assert.False(m.Matched[(t * 2) + 1]));
    }

    [Fact]
    public void EqualIoU_GoesToTheLaterGroundTruth()
    {
        // cocoeval's "if iou < best: continue" lets a later ground truth with an equal IoU replace the earlier one:
        // detection 0 (IoU .7 with both) takes ground truth 1, leaving ground truth 0 (IoU .6) to detection 1. Were
        // the earlier one kept, detection 1 would find nothing.
        var m = CocoMatching.Match([0.7, 0.7, 0.6, 0.0], [0.9, 0.8], [100, 100], [100, 100], AreaRange.All);
        Assert.True(m.Matched[0] && m.Matched[1]); // threshold .50, row-major T x D
        Assert.True(m.Matched[(3 * 2) + 0] && !m.Matched[(3 * 2) + 1]); // at .65 the .6 pair fails
    }

    [Fact]
    public void Images_AreMergedByScore()
    {
        // image 1: TP at 0.9; image 2: FP at 0.95, TP at 0.5; 2 ground truths. Sorted: FP, TP, TP ->
        // precision 0, 1/2, 2/3 at recall 0, .5, 1 -> monotone 2/3 everywhere.
        var evaluator = new InstanceEvaluator();
        var a = Square(20, 20, 0, 0, 10);
        evaluator.Add(20, 20, [a], [Detection(Square(20, 20, 0, 0, 10), 0.9)]);
        evaluator.Add(20, 20, [a], [Detection(Square(20, 20, 12, 12, 5), 0.95), Detection(Square(20, 20, 0, 0, 10), 0.5)]);
        Assert.Equal(2.0 / 3, evaluator.Report().Mask.Ap, Precision);
    }

    [Fact]
    public void MaxDetections_KeepsTheTopScores()
    {
        var g = Square(20, 20, 0, 0, 10);
        var fp1 = Square(20, 20, 12, 12, 5);
        var fp2 = Square(20, 20, 14, 14, 5);
        var evaluator = new InstanceEvaluator(maxDetections: 2);
        evaluator.Add(20, 20, [g], [Detection(fp1, 0.3), Detection(Square(20, 20, 0, 0, 10), 0.2), Detection(fp2, 0.9)]);
        Assert.Equal(0.0, evaluator.Report().Mask.Ap, Precision); // the match (score 0.2) was cut
        Assert.Equal(2, evaluator.Report().Detections);
    }

    [Fact]
    public void AreaRanges_IgnoreGroundTruthOutsideAndDetectionsMatchedToIt()
    {
        // A large person (100 x 100 = 10000 px > 96^2) found exactly, and a small one (5 x 5) missed, plus an
        // unmatched small false positive. "all": recall 1/2 with one FP ranked below the TP -> 51/101.
        // "large": the small ground truth and the small FP are ignored -> 1. "small": the large detection is
        // unmatched but outside the range, so ignored; the small FP counts -> the one small person is never
        // found -> 0. "medium": no ground truth -> -1.
        const int h = 120, w = 120;
        var large = Square(h, w, 0, 0, 100);
        var small = Square(h, w, 110, 110, 5);
        var fp = Square(h, w, 102, 0, 4);
        var r = Evaluate(h, w, [small, large], Detection(Square(h, w, 0, 0, 100), 0.9), Detection(fp, 0.5));
        Assert.Equal(51.0 / 101, r.Mask.Ap, Precision);
        Assert.Equal(1.0, r.Mask.ApLarge, Precision);
        Assert.Equal(0.0, r.Mask.ApSmall, Precision);
        Assert.Equal(-1, r.Mask.ApMedium);
    }

    [Fact]
    public void BoxAreaRanges_UseTheDetectionsBoxArea()
    {
        // A detection with a 5 x 5 mask but a 40 x 40 box: for boxes it is medium (1600 px), for masks small.
        const int h = 60, w = 60;
        var g = Square(h, w, 0, 0, 40); // 1600 px: medium
        var mask = Square(h, w, 50, 50, 5);
        var r = Evaluate(h, w, [g], new EvaluatedDetection(0.9, new PixelBox(0, 0, 40, 40), mask));
        Assert.Equal(1.0, r.Box.ApMedium, Precision);
        Assert.Equal(0.0, r.Mask.ApMedium, Precision); // the mask misses: no TP
        Assert.Equal(-1, r.Mask.ApSmall); // no small ground truth
    }

    [Fact]
    public void ThresholdsAndRecallPoints_AreNumpysLinspaceValues()
    {
        // numpy.linspace(.5, .95, 10)[8] and linspace(0, 1, 101)[57] are not the decimal numbers; recall ties
        // depend on the exact values.
        Assert.Equal(0.8999999999999999, CocoMatching.IoUThresholds[8]);
        Assert.Equal(0.5700000000000001, CocoMatching.RecallPoints[57]);
        Assert.Equal(0.29, CocoMatching.RecallPoints[29]);
        Assert.Equal(1.0, CocoMatching.RecallPoints[100]);
    }

    [Fact]
    public void NoDetections_GiveZeroAndNoGroundTruthGivesMinusOne()
    {
        Assert.Equal(0.0, Evaluate(20, 20, [Square(20, 20, 0, 0, 10)]).Mask.Ap);
        Assert.Equal(-1, Evaluate(20, 20, [], Detection(Square(20, 20, 0, 0, 10), 0.9)).Mask.Ap);
    }
}
