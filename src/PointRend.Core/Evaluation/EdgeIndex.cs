// Shape shorthand: K classes, H x W label and edge maps (row-major bytes), E edge pixels.
// Coordinates: pixel lattice (x = column, y = row); "within theta" is Euclidean distance <= theta.
using System.Buffers;

namespace PointRend.Core.Evaluation;

/// <summary>
/// The edge pixels of one label map, bucketed by (class, column) with rows ascending: a CSR layout built by one
/// counting-sort pass. BF matching only asks "is any edge of class c within theta of (x, y)", which this answers
/// with one binary search in each of the 2 * floor(theta) + 1 nearby columns, so a whole image costs O(H * W)
/// to index plus O(E * theta * log) to match, instead of a distance transform per class.
/// </summary>
internal sealed class EdgeIndex : IDisposable
{
    private readonly int _width;
    private int[] _start;
    private int[] _rows;

    public EdgeIndex(ReadOnlySpan<byte> edges, ReadOnlySpan<byte> labels, int classes, int width, int height)
    {
        _width = width;
        int buckets = classes * width;
        _start = ArrayPool<int>.Shared.Rent(buckets + 1);
        var start = _start.AsSpan(0, buckets + 1);
        start.Clear();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                if (edges[i] != 0 && labels[i] < classes)
                {
                    start[labels[i] * width + x + 1]++;
                }
            }
        }

        for (int b = 0; b < buckets; b++)
        {
            start[b + 1] += start[b];
        }

        _rows = ArrayPool<int>.Shared.Rent(Math.Max(1, start[buckets]));
        int[] fill = ArrayPool<int>.Shared.Rent(buckets);
        try
        {
            start[..buckets].CopyTo(fill);

            // Row-major scan, so every bucket receives its rows in ascending order without a sort.
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = y * width + x;
                    if (edges[i] != 0 && labels[i] < classes)
                    {
                        _rows[fill[labels[i] * width + x]++] = y;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(fill);
        }
    }

    /// <summary>Edge pixels of class c.</summary>
    public int Count(int c) => _start[(c + 1) * _width] - _start[c * _width];

    /// <summary>How many edge pixels of class c lie within theta of some edge pixel of class c in other.</summary>
    public int CountWithin(int c, EdgeIndex other, double theta)
    {
        int radius = (int)Math.Floor(theta);
        double thetaSquared = theta * theta;
        int matched = 0;
        for (int x = 0; x < _width; x++)
        {
            int bucket = c * _width + x;
            for (int e = _start[bucket]; e < _start[bucket + 1]; e++)
            {
                matched += other.AnyWithin(c, x, _rows[e], radius, thetaSquared) ? 1 : 0;
            }
        }

        return matched;
    }

    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(_start);
        ArrayPool<int>.Shared.Return(_rows);
        _start = [];
        _rows = [];
    }

    private bool AnyWithin(int c, int x, int y, int radius, double thetaSquared)
    {
        for (int dx = Math.Max(-radius, -x); dx <= Math.Min(radius, _width - 1 - x); dx++)
        {
            int bucket = c * _width + x + dx;
            int lo = _start[bucket];
            int hi = _start[bucket + 1];
            if (lo == hi)
            {
                continue;
            }

            // The nearest row in this column is the first one >= y or the one before it.
            int at = Array.BinarySearch(_rows, lo, hi - lo, y);
            if (at < 0)
            {
                at = ~at;
            }

            long dy = long.MaxValue / 4;
            if (at < hi)
            {
                dy = _rows[at] - y;
            }

            if (at > lo)
            {
                dy = Math.Min(dy, y - _rows[at - 1]);
            }

            if ((double)dx * dx + (double)dy * dy <= thetaSquared)
            {
                return true;
            }
        }

        return false;
    }
}
