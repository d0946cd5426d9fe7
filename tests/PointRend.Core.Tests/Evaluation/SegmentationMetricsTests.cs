// Shape shorthand: K classes, H x W byte label maps, row-major.
// Coordinates: pixel lattice; distances Euclidean and inclusive.
using PointRend.Core.Evaluation;

namespace PointRend.Core.Tests.Evaluation;

public class SegmentationMetricsTests
{
    [Fact]
    public void IoU_CountsTpFpFn_AndSkipsIgnoredPixels()
    {
        // 3x2, K = 3. Pixel 4 is ignored (gt 11) although the prediction there is 2.
        // Valid pairs (gt, pred): (0,0) (0,1) (1,1) (1,1) (2,0).
        // Class 0: TP 1, FP 1 (pixel 5), FN 1 (pixel 1) -> 1/3. Class 1: TP 2, FP 1, FN 0 -> 2/3.
        // Class 2: TP 0, FP 0 (pixel 4 ignored), FN 1 -> 0. Class 3 never appears -> NaN. mIoU = (1/3 + 2/3 + 0) / 3.
        var metrics = new SegmentationMetrics(classes: 4, ignoreId: 11);
        metrics.Add([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 11, 2], 3, 2);
        var report = metrics.Report();
        Assert.Equal(1.0 / 3, report.PerClassIoU[0], 12);
        Assert.Equal(2.0 / 3, report.PerClassIoU[1], 12);
        Assert.Equal(0.0, report.PerClassIoU[2], 12);
        Assert.True(double.IsNaN(report.PerClassIoU[3]));
        Assert.Equal(1.0 / 3, report.MeanIoU, 12);
        Assert.Equal(5, report.Pixels);
        Assert.Equal(1, report.Images);
        Assert.Equal(2, metrics.Confusion(1, 1));
    }

    [Fact]
    public void PredictionsAndLabelsOutsideTheClasses_AreSkipped()
    {
        // Pixel 1 predicts 200 and pixel 2 has gt 7 (>= K, not the ignore id): both skipped, the rest is perfect.
        var metrics = new SegmentationMetrics(classes: 2);
        metrics.Add([0, 200, 1, 1], [0, 1, 7, 1], 4, 1);
        var report = metrics.Report();
        Assert.Equal(2, report.Pixels);
        Assert.Equal(1.0, report.MeanIoU, 12);
    }

    [Theory]
    [InlineData(2, 1.0, 1.0)]
    [InlineData(4, 0.8, 5.0 / 6)]
    public void Trimap_OnlyScoresPixelsNearTheGroundTruthBoundary(int band, double class0, double class1)
    {
        // 12x1: gt six 0s then six 1s; boundary pixels 5 and 6. The prediction errs only at pixels 0 and 1.
        // Full: class 0 TP 4, FN 2 -> 4/6; class 1 TP 6, FP 2 -> 6/8.
        // Band 2 covers pixels 3..8, all correct. Band 4 covers 1..10: class 0 TP 4 (2..5), FN 1 (pixel 1) -> 0.8;
        // class 1 TP 5 (6..10), FP 1 -> 5/6.
        var metrics = new SegmentationMetrics(classes: 2, bandPx: band);
        metrics.Add([1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], 12, 1);
        var report = metrics.Report();
        Assert.Equal((4.0 / 6 + 6.0 / 8) / 2, report.MeanIoU, 12);
        Assert.Equal(class0, report.TrimapPerClassIoU[0], 12);
        Assert.Equal(class1, report.TrimapPerClassIoU[1], 12);
        Assert.Equal((class0 + class1) / 2, report.TrimapMeanIoU, 12);
    }

    [Fact]
    public void Trimap_EdgesAgainstIgnoredPixelsAreNotBoundaries()
    {
        // 0 0 0 | 11 | 1 1 1: the only label change runs through the ignored pixel, so there is no boundary and
        // no pixel is in the band: every trimap IoU is NaN while the full IoU is defined.
        var metrics = new SegmentationMetrics(classes: 2, bandPx: 1);
        metrics.Add([0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 11, 1, 1, 1], 7, 1);
        var report = metrics.Report();
        Assert.Equal(1.0, report.MeanIoU, 12);
        Assert.All(report.TrimapPerClassIoU, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void BoundaryF1_HandComputedPrecisionRecall_AveragedOverImagesWhereTheClassIsPresent()
    {
        // Image 1, 10x1, theta = 0.0075 * sqrt(101) = 0.075 px, so only exact hits count.
        // gt   0 0 0 0 0 1 1 1 1 1: class 0 boundary {4}, class 1 boundary {5}.
        // pred 0 0 1 1 0 1 1 1 1 1: class 0 boundary {1, 4}: P 1/2, R 1 -> F1 2/3;
        //                           class 1 boundary {2, 3, 5}: P 1/3, R 1 -> F1 1/2.
        // Image 2, all 0 in both: class 0 has no boundary in either -> F1 1; class 1 absent, not averaged.
        // Class 0: (2/3 + 1) / 2 = 5/6; class 1: 1/2; BF = (5/6 + 1/2) / 2 = 2/3.
        var metrics = new SegmentationMetrics(classes: 2);
        metrics.Add([0, 0, 1, 1, 0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 10, 1);
        Assert.Equal(7.0 / 12, metrics.Report().BoundaryF1, 12);
        metrics.Add(new byte[16], new byte[16], 4, 4);
        var report = metrics.Report();
        Assert.Equal(5.0 / 6, report.PerClassBoundaryF1[0], 12);
        Assert.Equal(0.5, report.PerClassBoundaryF1[1], 12);
        Assert.Equal(2.0 / 3, report.BoundaryF1, 12);
    }

    [Theory]
    [InlineData(0.0075, 0.0)] // theta = 0.06 px: a one-pixel shift matches nothing
    [InlineData(0.2, 1.0)] // theta = 0.2 * sqrt(65) = 1.6 px: the shifted boundary is within tolerance
    public void BoundaryF1_ToleranceIsAFractionOfTheDiagonal(double tolerance, double expected)
    {
        // 8x1, prediction shifted right by one: class 0 boundary gt {3} vs pred {2}, class 1 gt {4} vs pred {3}.
        var metrics = new SegmentationMetrics(classes: 2, boundaryTolerance: tolerance);
        metrics.Add([0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1], 8, 1);
        Assert.Equal(expected, metrics.Report().BoundaryF1, 12);
    }

    [Fact]
    public void Add_WrongLength_Throws()
    {
        var metrics = new SegmentationMetrics(classes: 2);
        Assert.Throws<ArgumentException>(() => metrics.Add(new byte[5], new byte[6], 3, 2));
    }
}
