// Shape shorthand: H x W binary site map (non-zero = site), row-major [y * W + x]; output H x W squared distances.
// Coordinates: pixel centres on the integer lattice; distances are Euclidean, in pixels.
using System.Buffers;

namespace PointRend.Core.Evaluation;

/// <summary>Exact squared Euclidean distance transform (Felzenszwalb and Huttenlocher 2012), O(H * W).</summary>
public static class DistanceTransform
{
    /// <summary>Stands in for "no site"; any squared distance compared against it is far larger than an image.</summary>
    public const float Far = 1e20f;

    /// <summary>squared[y * W + x] = min over sites s of |p - s|^2, or about <see cref="Far"/> when there is no site.</summary>
    public static void SquaredEuclidean(ReadOnlySpan<byte> sites, int width, int height, Span<float> squared)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int pixels = width * height;
        if (sites.Length < pixels || squared.Length < pixels)
        {
            throw new ArgumentException($"Site and output maps need {pixels} elements for {width}x{height}.");
        }

        // Column pass: for binary sites the 1-D transform of a column is just the squared row distance to the
        // nearest site in it, which two row-major sweeps give without striding through memory.
        // Far + 1 rounds back to Far in float, so "no site yet" survives the increments.
        for (int y = 0; y < height; y++)
        {
            var row = squared.Slice(y * width, width);
            var siteRow = sites.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                row[x] = siteRow[x] != 0 ? 0f : y == 0 ? Far : squared[(y - 1) * width + x] + 1f;
            }
        }

        for (int y = height - 2; y >= 0; y--)
        {
            var row = squared.Slice(y * width, width);
            var below = squared.Slice((y + 1) * width, width);
            for (int x = 0; x < width; x++)
            {
                row[x] = MathF.Min(row[x], below[x] + 1f);
            }
        }

        for (int i = 0; i < pixels; i++)
        {
            squared[i] = squared[i] >= Far ? Far : squared[i] * squared[i];
        }

        int longest = Math.Max(width, height);
        float[] f = ArrayPool<float>.Shared.Rent(longest);
        float[] d = ArrayPool<float>.Shared.Rent(longest);
        float[] z = ArrayPool<float>.Shared.Rent(longest + 1);
        int[] v = ArrayPool<int>.Shared.Rent(longest);
        try
        {
            for (int y = 0; y < height; y++)
            {
                var row = squared.Slice(y * width, width);
                row.CopyTo(f);
                Envelope(f.AsSpan(0, width), d, v, z);
                d.AsSpan(0, width).CopyTo(row);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(f);
            ArrayPool<float>.Shared.Return(d);
            ArrayPool<float>.Shared.Return(z);
            ArrayPool<int>.Shared.Return(v);
        }
    }

    private static void Envelope(ReadOnlySpan<float> f, Span<float> d, Span<int> v, Span<float> z)
    {
        int n = f.Length;
        int k = 0;
        v[0] = 0;
        z[0] = float.NegativeInfinity;
        z[1] = float.PositiveInfinity;
        for (int q = 1; q < n; q++)
        {
            float s = Intersection(f, q, v[k]);
            while (s <= z[k])
            {
                k--;
                s = Intersection(f, q, v[k]);
            }

            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = float.PositiveInfinity;
        }

        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
            {
                k++;
            }

            float dq = q - v[k];
            d[q] = dq * dq + f[v[k]];
        }
    }

    private static float Intersection(ReadOnlySpan<float> f, int q, int p)
    {
        // Double inside: with Far = 1e20 the float sum would lose q*q entirely and make distinct parabolas tie.
        double numerator = (f[q] + (double)q * q) - (f[p] + (double)p * p);
        return (float)(numerator / (2.0 * (q - p)));
    }
}
