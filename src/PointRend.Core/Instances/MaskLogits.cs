// Shape shorthand: R detections, m x m mask logits per detection; Logits[r * m * m + i * m + j].
// Coordinates: detection r's grid covers its box; cell (i, j) is centred at ((j + 0.5) / m, (i + 0.5) / m).
using System.Buffers;

namespace PointRend.Core.Instances;

/// <summary>Per-detection mask logits over one pooled buffer; Dispose returns it, after which Logits throws.</summary>
public sealed class MaskLogits : IDisposable
{
    private float[]? _buffer;

    internal MaskLogits(float[] buffer, int detections, int resolution, long pointsPredicted, IReadOnlyList<int[]>? selected)
    {
        _buffer = buffer;
        Detections = detections;
        Resolution = resolution;
        PointsPredicted = pointsPredicted;
        SelectedCellsPerStep = selected ?? [];
    }

    public int Detections { get; }

    /// <summary>m, the side of every detection's mask grid.</summary>
    public int Resolution { get; }

    /// <summary>Points sent through the point head for all detections together (0 in coarse mode).</summary>
    public long PointsPredicted { get; }

    /// <summary>When recorded: per step R x N cells ([r * N + n]), each detection's in selection order.</summary>
    public IReadOnlyList<int[]> SelectedCellsPerStep { get; }

    /// <summary>R x m x m.</summary>
    public ReadOnlySpan<float> Logits
    {
        get
        {
            var buffer = _buffer;
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer.AsSpan(0, Detections * Resolution * Resolution);
        }
    }

    /// <summary>Detection r's m x m logits.</summary>
    public ReadOnlySpan<float> Of(int detection) => Logits.Slice(detection * Resolution * Resolution, Resolution * Resolution);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
