// Shape shorthand: K classes, H x W output grid; Logits[k * H * W + y * W + x].
// Coordinates: StepGrids[s] is the grid of refinement step s + 1; selected cells are raster indices i * W + j in it.
using System.Buffers;

namespace PointRend.Core;

/// <summary>
/// Rendered logits over a pooled buffer; Dispose returns the buffer, after which Logits throws. A PointRend render
/// may hold its labels and the steps instead, and build the logits the first time <see cref="Logits"/> is read
/// (not thread-safe; one reader at a time, as for any pooled buffer).
/// </summary>
public sealed class RenderResult : IDisposable
{
    private static readonly IReadOnlyList<int[]> NoCells = Array.Empty<int[]>();
    private static readonly IReadOnlyList<(int Height, int Width)> NoGrids = Array.Empty<(int, int)>();
    private float[]? _buffer;
    private byte[]? _labels;
    private SubdivisionReplay? _replay;
    private int _disposed;

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

    internal RenderResult(
        byte[] labels,
        SubdivisionReplay replay,
        int classes,
        int height,
        int width,
        int pointsRefined,
        IReadOnlyList<int[]>? selectedCellsPerStep,
        IReadOnlyList<(int Height, int Width)>? stepGrids)
        : this(null!, classes, height, width, pointsRefined, selectedCellsPerStep, stepGrids)
    {
        _labels = labels;
        _replay = replay;
    }

    public int Classes { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>K x Height x Width logits.</summary>
    public ReadOnlySpan<float> Logits
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var buffer = _buffer;
            if (buffer is null)
            {
                // Built once from the recorded steps: the same floats the full-grid algorithm produces.
                buffer = _replay!.Materialise(Height, Width);
                _buffer = buffer;
            }

            return buffer.AsSpan(0, Classes * Height * Width);
        }
    }

    /// <summary>
    /// labels[n] = argmax_k Logits[k, n] (lowest class wins ties), as <see cref="LabelMaps.Argmax"/> gives; a
    /// PointRend render already has them, so this neither builds nor reads the K x H x W logits.
    /// </summary>
    public void CopyLabels(Span<byte> labels)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int pixels = Height * Width;
        if (labels.Length < pixels)
        {
            throw new ArgumentException($"Labels hold {labels.Length} bytes; {pixels} pixels needed.", nameof(labels));
        }

        if (_labels is { } known)
        {
            known.AsSpan(0, pixels).CopyTo(labels);
            return;
        }

        LabelMaps.Argmax(Logits, Classes, pixels, labels);
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
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        var labels = Interlocked.Exchange(ref _labels, null);
        if (labels is not null)
        {
            ArrayPool<byte>.Shared.Return(labels);
        }

        Interlocked.Exchange(ref _replay, null)?.Dispose();
    }
}
