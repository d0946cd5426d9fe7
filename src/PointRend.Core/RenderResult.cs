// Shape shorthand: K classes, H x W output grid; Logits[k * H * W + y * W + x].
// Coordinates: StepGrids[s] is the grid of refinement step s + 1; selected cells are raster indices i * W + j in it.
using System.Buffers;

namespace PointRend.Core;

/// <summary>Rendered logits over a pooled buffer; Dispose returns the buffer, after which Logits throws.</summary>
public sealed class RenderResult : IDisposable
{
    private static readonly IReadOnlyList<int[]> NoCells = Array.Empty<int[]>();
    private static readonly IReadOnlyList<(int Height, int Width)> NoGrids = Array.Empty<(int, int)>();
    private float[]? _buffer;

    internal RenderResult(
        float[] buffer,
        int classes,
        int height,
        int width,
        int pointsRefined,
        IReadOnlyList<int[]>? selectedCellsPerStep,
        IReadOnlyList<(int Height, int Width)>? stepGrids)
    {
        _buffer = buffer;
        Classes = classes;
        Height = height;
        Width = width;
        PointsRefined = pointsRefined;
        SelectedCellsPerStep = selectedCellsPerStep ?? NoCells;
        StepGrids = stepGrids ?? NoGrids;
    }

    public int Classes { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>K x Height x Width logits.</summary>
    public ReadOnlySpan<float> Logits
    {
        get
        {
            var buffer = _buffer;
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer.AsSpan(0, Classes * Height * Width);
        }
    }

    /// <summary>Total points sent through the point head (0 in Coarse mode, H * W in Dense mode).</summary>
    public int PointsRefined { get; }

    /// <summary>One array per PointRend step, in selection order, when RecordPoints was set; otherwise empty.</summary>
    public IReadOnlyList<int[]> SelectedCellsPerStep { get; }

    /// <summary>The grid of each PointRend step (h * 2^s, w * 2^s); empty in Coarse and Dense modes.</summary>
    public IReadOnlyList<(int Height, int Width)> StepGrids { get; }

    public void Dispose()
    {
        // Exchange so a double Dispose (or a racing one) can never return the same array twice.
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
