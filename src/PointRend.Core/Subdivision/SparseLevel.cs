// Shape shorthand: K classes, H x W grid of one subdivision level, cells = H * W.
// Coordinates: cells are raster indices i * W + j; taps refer to the previous (half-size) level's rows and columns.
using System.Buffers;

namespace PointRend.Core;

/// <summary>
/// One grid of the sparse subdivision: a label and an uncertainty bound for every cell, and K exact logits only
/// for the cells something asked about (slots, cell-major). Where Slot[cell] &gt;= 0, Bound[cell] is the cell's exact
/// uncertainty (top2 - top1, as <see cref="UncertaintyMap.TopTwoGap"/> computes it); elsewhere it is an upper bound
/// on it, and a bound below zero proves the label.
/// </summary>
internal sealed class SparseLevel : IDisposable
{
    private readonly int _classes;
    private bool _disposed;

    public SparseLevel(int classes, int height, int width, int initialSlots)
    {
        _classes = classes;
        Height = height;
        Width = width;
        Cells = height * width;
        Labels = ArrayPool<byte>.Shared.Rent(Cells);
        Bound = ArrayPool<float>.Shared.Rent(Cells);
        // Slot starts out as whatever the pool held: the first pass over a level's rows clears it (ClearSlots), so
        // that the 4-byte-per-cell write of the largest level is shared among threads and made with its other rows.
        Slot = ArrayPool<int>.Shared.Rent(Cells);
        // Slots padded to 8 or 16 floats so one or two vector operations interpolate a whole cell; the padding is
        // zero (never garbage: denormals would slow every vector op down) and is never read as a class.
        Stride = classes <= 8 ? 8 : classes <= 16 ? 16 : classes;
        Store = ArrayPool<float>.Shared.Rent(Math.Max(1, Math.Min(initialSlots, Cells)) * Stride);
    }

    /// <summary>Floats per slot (K rounded up to 8 or 16).</summary>
    public int Stride { get; }

    public int Height { get; }

    public int Width { get; }

    public int Cells { get; }

    public byte[] Labels { get; private set; }

    public float[] Bound { get; private set; }

    public int[] Slot { get; private set; }

    /// <summary>K logits per slot: Store[slot * Stride + k].</summary>
    public float[] Store { get; private set; }

    public int Used { get; private set; }

    /// <summary>
    /// Rows and columns of the previous level each row and column of this one interpolates (BilinearUpsample's
    /// taps and weights for an exact 2x); null on the coarse level.
    /// </summary>
    public Taps? Rows { get; init; }

    public Taps? Columns { get; init; }

    /// <summary>No cell of rows start..end-1 has a slot (yet).</summary>
    public void ClearSlots(int start, int end) => Slot.AsSpan(start * Width, (end - start) * Width).Fill(-1);

    /// <summary>A new slot for <paramref name="cell"/> (which must not have one); may move <see cref="Store"/>.</summary>
    public int Allocate(int cell)
    {
        int slot = AllocateUncleared(cell);
        Store.AsSpan((slot * Stride) + _classes, Stride - _classes).Clear();
        return slot;
    }

    /// <summary><see cref="Allocate"/> for a caller that writes all Stride floats of the slot itself.</summary>
    public int AllocateUncleared(int cell)
    {
        int slot = Used++;
        if ((long)Used * Stride > Store.Length)
        {
            var grown = ArrayPool<float>.Shared.Rent((int)Math.Min((long)Store.Length * 2, (long)Cells * Stride));
            Store.AsSpan(0, slot * Stride).CopyTo(grown);
            ArrayPool<float>.Shared.Return(Store);
            Store = grown;
        }

        Slot[cell] = slot;
        return slot;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        ArrayPool<byte>.Shared.Return(Labels);
        ArrayPool<float>.Shared.Return(Bound);
        ArrayPool<int>.Shared.Return(Slot);
        ArrayPool<float>.Shared.Return(Store);
        Labels = [];
        Bound = [];
        Slot = [];
        Store = [];
        Rows?.Dispose();
        Columns?.Dispose();
    }
}

/// <summary>Per output index: the two source indices and weights BilinearUpsample.ComputeTaps gives it.</summary>
internal sealed class Taps : IDisposable
{
    private int[] _ints;
    private float[] _floats;

    public Taps(int inSize, int outSize)
    {
        Count = outSize;
        _ints = ArrayPool<int>.Shared.Rent(2 * outSize);
        _floats = ArrayPool<float>.Shared.Rent(2 * outSize);
        BilinearUpsample.ComputeTaps(inSize, outSize, First, Second, FirstWeight, SecondWeight);
    }

    public int Count { get; }

    public Span<int> First => _ints.AsSpan(0, Count);

    public Span<int> Second => _ints.AsSpan(Count, Count);

    public Span<float> FirstWeight => _floats.AsSpan(0, Count);

    public Span<float> SecondWeight => _floats.AsSpan(Count, Count);

    public int FirstOf(int index) => _ints[index];

    public int SecondOf(int index) => _ints[Count + index];

    public float FirstWeightOf(int index) => _floats[index];

    public float SecondWeightOf(int index) => _floats[Count + index];

    public void Dispose()
    {
        if (_ints.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_ints);
            ArrayPool<float>.Shared.Return(_floats);
            _ints = [];
            _floats = [];
        }
    }
}
