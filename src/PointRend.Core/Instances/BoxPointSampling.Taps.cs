// Shape shorthand: P points of one detection; taps and weights are 4 x P ([k * P + p], k = top-left, top-right,
// bottom-left, bottom-right).
// Coordinates: as BoxPointSampling: cell (i, j) of an h x w grid over the box is (u, v) = ((j + 0.5) / w, (i + 0.5) / h),
// the map point (x0 + u bw) / scaleX, (y0 + v bh) / scaleY, normalised [0, 1], align_corners=False.
using System.Runtime.Intrinsics;

namespace PointRend.Core.Instances;

/// <summary>The per-point tap setup of every sampling pass, eight points per vector.</summary>
public static partial class BoxPointSampling
{
    /// <summary>Grids up to this many cells find the row of a cell by float division (exact below 2^23, see below).</summary>
    private const int FloatRowLimit = 1 << 22;

    /// <summary>
    /// Taps and weights of <see cref="SetTaps"/> for cells (raster indices of a gridHeight x gridWidth grid) at
    /// normalised ((x0 + u bw) / scaleX, (y0 + v bh) / scaleY) on a height x width map, in the planar layout.
    /// </summary>
    /// <remarks>
    /// Per point this was a tenth of a refinement's time one point at a time (an integer division, three float
    /// divisions, floors, four bounds-checked stores). Eight lanes do the same IEEE operations in the same order
    /// (vector multiply, add, divide and floor round exactly as the scalar ones, and .NET never fuses them), so every
    /// tap and weight equals the scalar one bit for bit. The row i = floor((cell + 0.5) / w) is exact while
    /// cell &lt; 2^23: the quotient i + (j + 0.5) / w sits at least 0.5 / w from an integer and rounds by at most
    /// cell / w * 2^-24; larger grids take the scalar path.
    /// </remarks>
    internal static void SetBoxTaps(
        ReadOnlySpan<int> cells, int gridHeight, int gridWidth, float x0, float bw, float scaleX, float y0, float bh, float scaleY,
        int height, int width, Span<int> taps, Span<float> weights)
    {
        int points = cells.Length;
        if (taps.Length < 4 * points || weights.Length < 4 * points)
        {
            throw new ArgumentException($"Taps hold {taps.Length} and weights {weights.Length}; {points} points need {4 * points} each.");
        }

        int gridCells = gridHeight * gridWidth;
        int p = 0;
        if (Vector256.IsHardwareAccelerated && gridCells < FloatRowLimit)
        {
            var half = Vector256.Create(0.5f);
            var one = Vector256.Create(1f);
            var two = Vector256.Create(2f);
            var gw = Vector256.Create((float)gridWidth);
            var gh = Vector256.Create((float)gridHeight);
            var gwInt = Vector256.Create(gridWidth);
            var limit = Vector256.Create((uint)gridCells);
            var vx0 = Vector256.Create(x0);
            var vbw = Vector256.Create(bw);
            var vsx = Vector256.Create(scaleX);
            var vy0 = Vector256.Create(y0);
            var vbh = Vector256.Create(bh);
            var vsy = Vector256.Create(scaleY);
            var halfWidth = Vector256.Create(width * 0.5f);
            var halfHeight = Vector256.Create(height * 0.5f);
            for (; p <= points - 8; p += 8)
            {
                var cell = Vector256.Create(cells[p..]);
                if (Vector256.GreaterThanOrEqualAny(cell.AsUInt32(), limit))
                {
                    break; // The scalar path below throws the out-of-grid error for this cell.
                }

                var i = Vector256.ConvertToInt32(Vector256.Floor((Vector256.ConvertToSingle(cell) + half) / gw));
                var j = cell - (i * gwInt);
                var u = (Vector256.ConvertToSingle(j) + half) / gw;
                var v = (Vector256.ConvertToSingle(i) + half) / gh;
                var nx = (vx0 + (u * vbw)) / vsx;
                var ny = (vy0 + (v * vbh)) / vsy;
                var x = ((((two * nx) - one) + one) * halfWidth) - half;
                var y = ((((two * ny) - one) + one) * halfHeight) - half;
                VectorTaps.Store8(x, y, width, height, taps, weights, p, points);
            }
        }

        Span<int> oneTaps = stackalloc int[4];
        Span<float> oneWeights = stackalloc float[4];
        for (; p < points; p++)
        {
            var (u, v) = CellCentre(cells[p], gridHeight, gridWidth);
            SetTaps((x0 + (u * bw)) / scaleX, (y0 + (v * bh)) / scaleY, height, width, oneTaps, oneWeights, 0);
            for (int k = 0; k < 4; k++)
            {
                taps[(k * points) + p] = oneTaps[k];
                weights[(k * points) + p] = oneWeights[k];
            }
        }
    }
}
