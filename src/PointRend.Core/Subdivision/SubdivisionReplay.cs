// Shape shorthand: K classes, h x w coarse grid, S steps, P_s points of step s, H x W output grid.
// Coordinates: step s's cells are raster indices in the (h * 2^s) x (w * 2^s) grid.
using System.Buffers;

namespace PointRend.Core;

/// <summary>
/// What a sparse render needs to rebuild the full K x H x W logits on demand: the coarse logits and every step's
/// cells with the head's logits for them. Rebuilding runs the full-grid algorithm (2x upsample of every channel,
/// overwrite the step's cells, final resize) without the selection, so it gives the same floats as a full-grid render.
/// </summary>
internal sealed class SubdivisionReplay : IDisposable
{
    private readonly int _classes;
    private readonly int _height;
    private readonly int _width;
    private readonly List<(int[] Cells, float[] Logits, int Count)> _steps = [];
    private float[]? _coarse;

    public SubdivisionReplay(ReadOnlySpan<float> coarse, int classes, int height, int width)
    {
        _classes = classes;
        _height = height;
        _width = width;
        _coarse = ArrayPool<float>.Shared.Rent(classes * height * width);
        coarse[..(classes * height * width)].CopyTo(_coarse);
    }

    /// <summary>Takes ownership of two pooled arrays: ascending cells and their logits, cell-major (K per cell).</summary>
    /// Returns the step's index for <see cref="SetCount"/>.
    public int AddStep(int[] cells, float[] logits, int count)
    {
        _steps.Add((cells, logits, count));
        return _steps.Count - 1;
    }

    /// <summary>How many of the step's cells were refined, once selection (which a bound on the gap can cut short) knows.</summary>
    public void SetCount(int index, int count) => _steps[index] = (_steps[index].Cells, _steps[index].Logits, count);

    /// <summary>A pooled K x outHeight x outWidth buffer the caller owns.</summary>
    public float[] Materialise(int outHeight, int outWidth)
    {
        var coarse = _coarse ?? throw new ObjectDisposedException(nameof(SubdivisionReplay));
        int classes = _classes;
        int height = _height;
        int width = _width;
        float[] current = ArrayPool<float>.Shared.Rent(classes * height * width);
        try
        {
            coarse.AsSpan(0, classes * height * width).CopyTo(current);
            foreach (var (cells, logits, count) in _steps)
            {
                float[] next = ArrayPool<float>.Shared.Rent(classes * height * width * 4);
                BilinearUpsample.Upsample2x(current, classes, height, width, next);
                ArrayPool<float>.Shared.Return(current);
                current = next;
                height *= 2;
                width *= 2;
                int plane = height * width;
                for (int p = 0; p < count; p++)
                {
                    int cell = cells[p];
                    for (int k = 0; k < classes; k++)
                    {
                        next[(k * plane) + cell] = logits[(p * classes) + k];
                    }
                }
            }

            if (height == outHeight && width == outWidth)
            {
                var done = current;
                current = null!;
                return done;
            }

            float[] output = ArrayPool<float>.Shared.Rent(classes * outHeight * outWidth);
            BilinearUpsample.Resize(current, classes, height, width, output, outHeight, outWidth);
            return output;
        }
        finally
        {
            if (current is not null)
            {
                ArrayPool<float>.Shared.Return(current);
            }
        }
    }

    public void Dispose()
    {
        var coarse = Interlocked.Exchange(ref _coarse, null);
        if (coarse is null)
        {
            return;
        }

        ArrayPool<float>.Shared.Return(coarse);
        foreach (var (cells, logits, _) in _steps)
        {
            ArrayPool<int>.Shared.Return(cells);
            ArrayPool<float>.Shared.Return(logits);
        }

        _steps.Clear();
    }
}
