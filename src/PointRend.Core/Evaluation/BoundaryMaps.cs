// Shape shorthand: H x W label map of bytes, row-major [y * W + x]; masks are H x W bytes (1 = set).
// Coordinates: pixel lattice; "neighbour" means the 4-neighbourhood, and the image border is not a boundary.
namespace PointRend.Core.Evaluation;

/// <summary>Boundary pixel maps used by the trimap and BF metrics.</summary>
public static class BoundaryMaps
{
    /// <summary>valid[i] = 1 where the ground truth is a scored class (not ignoreId and below classes). Returns the count.</summary>
    public static int ValidMask(ReadOnlySpan<byte> groundTruth, int classes, int ignoreId, Span<byte> valid)
    {
        int count = 0;
        for (int i = 0; i < groundTruth.Length; i++)
        {
            byte g = groundTruth[i];
            bool ok = g != ignoreId && g < classes;
            valid[i] = ok ? (byte)1 : (byte)0;
            count += ok ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// Ground-truth class boundary: a valid pixel with a valid 4-neighbour of a different label. Boundaries
    /// against ignored pixels do not count, since the annotator drew no class edge there. Returns the count.
    /// </summary>
    public static int LabelBoundary(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> valid, int width, int height, Span<byte> boundary)
    {
        return Mark(labels, valid, width, height, -1, neighbourMustBeValid: true, boundary);
    }

    /// <summary>
    /// Boundary of the binary mask labels == cls: a pixel of the class that is valid and has a 4-neighbour of another
    /// label. neighbourMustBeValid = true for ground truth (edges against ignored pixels dropped), false for
    /// predictions (which label every pixel). A negative cls marks the edges of every class in one pass.
    /// Returns the count.
    /// </summary>
    public static int ClassBoundary(
        ReadOnlySpan<byte> labels, ReadOnlySpan<byte> valid, int width, int height, int cls, bool neighbourMustBeValid, Span<byte> boundary)
    {
        return Mark(labels, valid, width, height, cls, neighbourMustBeValid, boundary);
    }

    private static int Mark(
        ReadOnlySpan<byte> labels, ReadOnlySpan<byte> valid, int width, int height, int cls, bool neighbourMustBeValid, Span<byte> boundary)
    {
        int count = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                byte label = labels[i];
                bool edge = valid[i] != 0 && (cls < 0 || label == cls)
                    && ((x > 0 && Differs(labels, valid, i - 1, label, neighbourMustBeValid))
                        || (x < width - 1 && Differs(labels, valid, i + 1, label, neighbourMustBeValid))
                        || (y > 0 && Differs(labels, valid, i - width, label, neighbourMustBeValid))
                        || (y < height - 1 && Differs(labels, valid, i + width, label, neighbourMustBeValid)));
                boundary[i] = edge ? (byte)1 : (byte)0;
                count += edge ? 1 : 0;
            }
        }

        return count;
    }

    private static bool Differs(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> valid, int neighbour, byte label, bool neighbourMustBeValid)
    {
        return labels[neighbour] != label && (!neighbourMustBeValid || valid[neighbour] != 0);
    }
}
