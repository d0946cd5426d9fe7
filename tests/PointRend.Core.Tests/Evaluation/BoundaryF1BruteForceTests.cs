// Shape shorthand: K classes, H x W byte label maps, row-major.
// Coordinates: pixel lattice; boundary matching is Euclidean distance <= theta.
using PointRend.Core.Evaluation;

namespace PointRend.Core.Tests.Evaluation;

public class BoundaryF1BruteForceTests
{
    [Theory]
    [InlineData(1, 0.0075)]
    [InlineData(2, 0.05)]
    [InlineData(3, 0.1)]
    public void BoundaryF1_MatchesAnAllPairsReference(int seed, double tolerance)
    {
        // Blocky random maps with a few ignored pixels: the column-distance probe must agree with checking
        // every pair of boundary pixels, diagonal offsets included.
        const int width = 40, height = 30, classes = 3, ignore = 11;
        var random = new Random(seed);
        var gt = Blocks(random, width, height, classes);
        var pred = Blocks(random, width, height, classes);
        for (int n = 0; n < 20; n++)
        {
            gt[random.Next(gt.Length)] = ignore;
        }

        var metrics = new SegmentationMetrics(classes, ignore, boundaryTolerance: tolerance);
        metrics.Add(pred, gt, width, height);
        double theta = tolerance * Math.Sqrt(width * width + height * height);
        var expected = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            bool present = gt.Any(g => g == c);
            var gtEdge = Edges(gt, gt, width, height, c, ignore, true);
            var predEdge = Edges(pred, gt, width, height, c, ignore, false);
            expected[c] = !present ? double.NaN : F1(gtEdge, predEdge, theta);
        }

        var report = metrics.Report();
        for (int c = 0; c < classes; c++)
        {
            Assert.Equal(expected[c], report.PerClassBoundaryF1[c], 12);
        }
    }

    private static byte[] Blocks(Random random, int width, int height, int classes)
    {
        var labels = new byte[width * height];
        int bx = random.Next(3, 7), by = random.Next(3, 7);
        var cellLabels = Enumerable.Range(0, 100).Select(_ => (byte)random.Next(classes)).ToArray();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                labels[y * width + x] = cellLabels[(y / by * 10 + x / bx) % 100];
            }
        }

        return labels;
    }

    private static List<(int X, int Y)> Edges(byte[] labels, byte[] gt, int width, int height, int c, int ignore, bool neighbourMustBeValid)
    {
        var edges = new List<(int, int)>();
        (int, int)[] offsets = [(1, 0), (-1, 0), (0, 1), (0, -1)];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (labels[y * width + x] != c || gt[y * width + x] == ignore)
                {
                    continue;
                }

                bool edge = offsets.Any(o =>
                {
                    int nx = x + o.Item1, ny = y + o.Item2;
                    return nx >= 0 && ny >= 0 && nx < width && ny < height && labels[ny * width + nx] != c
                        && (!neighbourMustBeValid || gt[ny * width + nx] != ignore);
                });
                if (edge)
                {
                    edges.Add((x, y));
                }
            }
        }

        return edges;
    }

    private static double F1(List<(int X, int Y)> gt, List<(int X, int Y)> pred, double theta)
    {
        if (gt.Count == 0 || pred.Count == 0)
        {
            return gt.Count == pred.Count ? 1 : 0;
        }

        static bool Near((int X, int Y) p, List<(int X, int Y)> set, double t) =>
            set.Any(s => (s.X - p.X) * (s.X - p.X) + (s.Y - p.Y) * (s.Y - p.Y) <= t * t);
        double precision = pred.Count(p => Near(p, gt, theta)) / (double)pred.Count;
        double recall = gt.Count(g => Near(g, pred, theta)) / (double)gt.Count;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
}
