// Shape shorthand: K classes; two edge indexes (ground truth, prediction) of one H x W image.
// Coordinates: pixel lattice; a boundary pixel matches when the other map has a boundary pixel of the same
// class within theta (Euclidean, inclusive).
namespace PointRend.Core.Evaluation;

/// <summary>Per-class boundary F1 of one image (Csurka et al. 2013); see <see cref="SegmentationMetrics"/>.</summary>
internal static class BoundaryF1
{
    public static double Score(EdgeIndex groundTruth, EdgeIndex prediction, int cls, double theta)
    {
        int gtCount = groundTruth.Count(cls);
        int predCount = prediction.Count(cls);
        if (gtCount == 0 || predCount == 0)
        {
            // Both empty (e.g. the class fills the image in both maps) is a perfect match; one empty is none.
            return gtCount == predCount ? 1.0 : 0.0;
        }

        double precision = (double)prediction.CountWithin(cls, groundTruth, theta) / predCount;
        double recall = (double)groundTruth.CountWithin(cls, prediction, theta) / gtCount;
        return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    }
}
