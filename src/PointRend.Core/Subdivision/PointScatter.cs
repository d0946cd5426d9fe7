// Shape shorthand: K classes, P points, N cells (H * W); point logits K x P and grid logits K x N, channel-major.
// Coordinates: cells are raster indices i * W + j in the grid the logits live on.
namespace PointRend.Core;

/// <summary>Writes point-head output back into the grid (detectron2's scatter_ on the flattened logits).</summary>
public static class PointScatter
{
    /// <summary>logits[k * cellCount + cells[p]] = pointLogits[k * cells.Length + p] for every k and p.</summary>
    public static void Scatter(ReadOnlySpan<float> pointLogits, int classes, ReadOnlySpan<int> cells, Span<float> logits, int cellCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegative(cellCount);
        int points = cells.Length;
        if (pointLogits.Length < (long)classes * points)
        {
            throw new ArgumentException($"Point logits hold {pointLogits.Length} floats; {classes} x {points} needed.", nameof(pointLogits));
        }

        if (logits.Length < (long)classes * cellCount)
        {
            throw new ArgumentException($"Logits hold {logits.Length} floats; {classes} x {cellCount} needed.", nameof(logits));
        }

        foreach (int cell in cells)
        {
            if ((uint)cell >= (uint)cellCount)
            {
                throw new ArgumentOutOfRangeException(nameof(cells), cell, $"Cell index outside a grid of {cellCount} cells.");
            }
        }

        for (int k = 0; k < classes; k++)
        {
            var source = pointLogits.Slice(k * points, points);
            var plane = logits.Slice(k * cellCount, cellCount);
            for (int p = 0; p < points; p++)
            {
                plane[cells[p]] = source[p];
            }
        }
    }
}
