// Shape shorthand: H x W byte maps, row-major [y * W + x]; edge maps mark boundary pixels of every class at once.
// Coordinates: pixel lattice; a boundary pixel matches when a boundary pixel of the other map is within
// theta (Euclidean, inclusive) of it.
using System.Buffers;

namespace PointRend.Core.Evaluation;

/// <summary>
/// Per-class boundary F1 of one image. Matching only needs "is there a site within theta", so instead of a full
/// distance transform per class it keeps, per pixel, the row distance to the nearest site in its column (two
/// cache-friendly row-major passes, capped at floor(theta) + 1) and probes the 2 * floor(theta) + 1 columns
/// around each boundary pixel. Exact for Euclidean distance, and O(H * W) per class plus O(boundary * theta).
/// </summary>
internal static class BoundaryF1
{
    public static double Score(
        ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> groundTruthEdges,
        ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> predictionEdges,
        int width, int height, int cls, double theta)
    {
        int pixels = width * height;
        int radius = (int)Math.Floor(theta);
        int[] buffer = ArrayPool<int>.Shared.Rent(2 * pixels);
        try
        {
            var toGroundTruth = buffer.AsSpan(0, pixels);
            var toPrediction = buffer.AsSpan(pixels, pixels);
            int gtCount = ColumnDistance(groundTruthEdges, groundTruth, cls, width, height, radius + 1, toGroundTruth);
            int predCount = ColumnDistance(predictionEdges, prediction, cls, width, height, radius + 1, toPrediction);
            if (gtCount == 0 || predCount == 0)
            {
                // Both empty (e.g. the class fills the image in both maps) is a perfect match; one empty is none.
                return gtCount == predCount ? 1.0 : 0.0;
            }

            double thetaSquared = theta * theta;
            int predMatched = CountMatched(predictionEdges, prediction, cls, width, height, toGroundTruth, radius, thetaSquared);
            int gtMatched = CountMatched(groundTruthEdges, groundTruth, cls, width, height, toPrediction, radius, thetaSquared);
            double precision = (double)predMatched / predCount;
            double recall = (double)gtMatched / gtCount;
            return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>Sites are edge pixels labelled cls; returns their count.</summary>
    private static int ColumnDistance(
        ReadOnlySpan<byte> edges, ReadOnlySpan<byte> labels, int cls, int width, int height, int cap, Span<int> distance)
    {
        int sites = 0;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                int i = row + x;
                bool site = edges[i] != 0 && labels[i] == cls;
                sites += site ? 1 : 0;
                distance[i] = site ? 0 : y == 0 ? cap : Math.Min(distance[i - width] + 1, cap);
            }
        }

        for (int y = height - 2; y >= 0; y--)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                distance[row + x] = Math.Min(distance[row + x], distance[row + x + width] + 1);
            }
        }

        return sites;
    }

    private static int CountMatched(
        ReadOnlySpan<byte> edges, ReadOnlySpan<byte> labels, int cls, int width, int height,
        ReadOnlySpan<int> otherDistance, int radius, double thetaSquared)
    {
        int matched = 0;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                if (edges[row + x] == 0 || labels[row + x] != cls)
                {
                    continue;
                }

                for (int dx = Math.Max(-radius, -x); dx <= Math.Min(radius, width - 1 - x); dx++)
                {
                    long dy = otherDistance[row + x + dx];
                    if ((long)dx * dx + dy * dy <= thetaSquared)
                    {
                        matched++;
                        break;
                    }
                }
            }
        }

        return matched;
    }
}
