// Shape shorthand: K classes; every per-class list has K entries, NaN where the metric is undefined.
// Coordinates: none (aggregates over images).
namespace PointRend.Core.Evaluation;

/// <summary>
/// Dataset-level scores. Means are over the classes whose entry is not NaN. Trimap scores use only pixels within
/// the band of a ground-truth boundary; BoundaryF1 is the BF score (see <see cref="SegmentationMetrics"/>).
/// </summary>
public sealed record SegmentationReport(
    double MeanIoU,
    IReadOnlyList<double> PerClassIoU,
    double TrimapMeanIoU,
    IReadOnlyList<double> TrimapPerClassIoU,
    double BoundaryF1,
    IReadOnlyList<double> PerClassBoundaryF1,
    int Images,
    long Pixels);
