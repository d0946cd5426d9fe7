// Shape shorthand: N cells (H * W of the current grid), P selected points.
// Coordinates: cells are raster indices i * W + j; nothing here looks at geometry.
// Order of the output (the contract): descending uncertainty, then ascending raster index. Every cell has a
// distinct (uncertainty, index) pair under this order, so the selection and its order are fully deterministic.
using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>The P most uncertain cells in O(N): a radix select on the float bits, then a sort of the P chosen only.</summary>
public static class PointSelection
{
    /// <summary>
    /// Writes min(count, N) cell indices to <paramref name="selected"/> in the order above and returns how many.
    /// Ties at the threshold go to the lower raster index; count &gt;= N selects every cell. -0 is treated as +0;
    /// NaN is ordered by its bit pattern (deterministic, but meaningless).
    /// </summary>
    public static int SelectMostUncertain(ReadOnlySpan<float> uncertainty, int count, Span<int> selected)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int cells = uncertainty.Length;
        int take = Math.Min(count, cells);
        if (selected.Length < take)
        {
            throw new ArgumentException($"Output holds {selected.Length} indices; {take} will be selected.", nameof(selected));
        }

        if (take == 0)
        {
            return 0;
        }

        uint[] keys = ArrayPool<uint>.Shared.Rent(cells);
        try
        {
            for (int i = 0; i < cells; i++)
            {
                keys[i] = SortableKey(uncertainty[i]);
            }

            var keySpan = keys.AsSpan(0, cells);
            if (take == cells)
            {
                for (int i = 0; i < cells; i++)
                {
                    selected[i] = i;
                }
            }
            else
            {
                uint threshold = FindThreshold(keySpan, take, out int takeAtThreshold);
                Collect(keySpan, threshold, takeAtThreshold, selected);
            }

            SortSelected(keySpan, selected[..take]);
            return take;
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// The same cells as <see cref="SelectMostUncertain"/>, returned in ascending raster order instead of by
    /// uncertainty: the renderer only needs the set, and sampling and the scatter run fastest in raster order, so
    /// the O(P log P) sort of the public method (and the runner's sort back to raster order) is skipped.
    /// </summary>
    internal static int SelectUncertainCells(ReadOnlySpan<float> uncertainty, int count, Span<int> selected)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int cells = uncertainty.Length;
        int take = Math.Min(count, cells);
        if (selected.Length < take)
        {
            throw new ArgumentException($"Output holds {selected.Length} indices; {take} will be selected.", nameof(selected));
        }

        if (take == cells)
        {
            for (int i = 0; i < cells; i++)
            {
                selected[i] = i;
            }

            return take;
        }

        uint[] keys = ArrayPool<uint>.Shared.Rent(cells);
        try
        {
            var keySpan = keys.AsSpan(0, cells);
            SortableKeys(uncertainty, keySpan);
            uint threshold = FindThreshold(keySpan, take, out int takeAtThreshold);
            Collect(keySpan, threshold, takeAtThreshold, selected);
            return take;
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// The cells <see cref="SelectUncertainCells"/> picks for uncertainty -|logit|, in ascending raster order, read
    /// from the logits themselves: the key ~(bits &amp; 0x7FFFFFFF) falls strictly as |logit|'s bits rise, as the
    /// sortable key of -|logit| does (both send +0 and -0 to one key), so the order and the ties are the same.
    /// <paramref name="keys"/> (N) is left holding the keys for <see cref="SortByUncertainty"/>.
    /// </summary>
    internal static int SelectSmallestMagnitude(ReadOnlySpan<float> logits, int count, Span<uint> keys, Span<int> selected)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int cells = logits.Length;
        int take = Math.Min(count, cells);
        if (selected.Length < take || keys.Length < cells)
        {
            throw new ArgumentException($"Output holds {selected.Length} indices and {keys.Length} keys; {take} of {cells} will be selected.", nameof(selected));
        }

        keys = keys[..cells];
        MagnitudeKeys(logits, keys);
        if (take == cells)
        {
            for (int i = 0; i < cells; i++)
            {
                selected[i] = i;
            }

            return take;
        }

        uint threshold = FindThreshold(keys, take, out int takeAtThreshold);
        Collect(keys, threshold, takeAtThreshold, selected);
        return take;
    }

    /// <summary>Reorders cells chosen on <paramref name="keys"/> into the public order (descending uncertainty, then index).</summary>
    internal static void SortByUncertainty(ReadOnlySpan<uint> keys, Span<int> selected) => SortSelected(keys, selected);

    private static void MagnitudeKeys(ReadOnlySpan<float> values, Span<uint> keys)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var mask = Vector512.Create(0x7FFF_FFFFu);
            for (; i <= bits.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
            {
                Vector512.OnesComplement(Vector512.Create(bits[i..]) & mask).CopyTo(keys[i..]);
            }
        }

        var small = new Vector<uint>(0x7FFF_FFFFu);
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
        {
            (~(new Vector<uint>(bits[i..]) & small)).CopyTo(keys[i..]);
        }

        for (; i < bits.Length; i++)
        {
            keys[i] = ~(bits[i] & 0x7FFF_FFFFu);
        }
    }

    /// <summary><see cref="SortableKey"/> of every value, eight or sixteen at a time.</summary>
    internal static void SortableKeys(ReadOnlySpan<float> values, Span<uint> keys)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var sign = new Vector<uint>(0x8000_0000u);
        int i = 0;
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
        {
            var v = new Vector<uint>(bits[i..]);
            v = Vector.ConditionalSelect(Vector.Equals(v, sign), Vector<uint>.Zero, v);
            var negative = Vector.Equals(v & sign, sign);
            Vector.ConditionalSelect(negative, ~v, v | sign).CopyTo(keys[i..]);
        }

        for (; i < bits.Length; i++)
        {
            keys[i] = SortableKey(values[i]);
        }
    }

    /// <summary>Monotone map from float to uint: a &lt; b (as floats) iff key(a) &lt; key(b).</summary>
    internal static uint SortableKey(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (bits == 0x8000_0000u)
        {
            bits = 0;
        }

        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    /// <summary>
    /// The key T with count(key &gt; T) &lt; take &lt;= count(key &gt;= T), found with three histogram passes of
    /// 11, 11 and 10 bits; the later passes only visit the cells that share the prefix found so far.
    /// </summary>
    private static uint FindThreshold(ReadOnlySpan<uint> keys, int take, out int takeAtThreshold)
    {
        Span<int> histogram = stackalloc int[2048];
        int need = take;
        uint top = Pick(keys, 21, 0x7FFu, histogram, ref need);
        int[] candidates = ArrayPool<int>.Shared.Rent(histogram[(int)top]);
        try
        {
            int n = 0;
            int i = 0;

            // Few cells share the top 11 bits of the threshold; a vector with none of them is skipped whole.
            var topVector = new Vector<uint>(top);
            for (; i <= keys.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                if (Vector.EqualsAny(Vector.ShiftRightLogical(new Vector<uint>(keys[i..]), 21), topVector))
                {
                    for (int k = i; k < i + Vector<uint>.Count; k++)
                    {
                        if (keys[k] >> 21 == top)
                        {
                            candidates[n++] = k;
                        }
                    }
                }
            }

            for (; i < keys.Length; i++)
            {
                if (keys[i] >> 21 == top)
                {
                    candidates[n++] = i;
                }
            }

            uint middle = PickAmong(keys, candidates.AsSpan(0, n), 10, 0x7FFu, histogram, ref need);
            int m = 0;
            for (int c = 0; c < n; c++)
            {
                if (((keys[candidates[c]] >> 10) & 0x7FFu) == middle)
                {
                    candidates[m++] = candidates[c];
                }
            }

            uint low = PickAmong(keys, candidates.AsSpan(0, m), 0, 0x3FFu, histogram, ref need);
            takeAtThreshold = need;
            return (top << 21) | (middle << 10) | low;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
        }
    }

    private static uint Pick(ReadOnlySpan<uint> keys, int shift, uint mask, Span<int> histogram, ref int need)
    {
        histogram.Clear();
        for (int i = 0; i < keys.Length; i++)
        {
            histogram[(int)((keys[i] >> shift) & mask)]++;
        }

        return Descend(histogram[..((int)mask + 1)], ref need);
    }

    private static uint PickAmong(ReadOnlySpan<uint> keys, ReadOnlySpan<int> candidates, int shift, uint mask, Span<int> histogram, ref int need)
    {
        histogram.Clear();
        foreach (int i in candidates)
        {
            histogram[(int)((keys[i] >> shift) & mask)]++;
        }

        return Descend(histogram[..((int)mask + 1)], ref need);
    }

    /// <summary>Walks bins from the top; returns the bin holding the need-th largest and leaves need relative to it.</summary>
    private static uint Descend(ReadOnlySpan<int> histogram, ref int need)
    {
        for (int bin = histogram.Length - 1; bin >= 0; bin--)
        {
            if (histogram[bin] >= need)
            {
                return (uint)bin;
            }

            need -= histogram[bin];
        }

        throw new InvalidOperationException("Radix select ran out of cells; the histogram does not match the keys.");
    }

    private static void Collect(ReadOnlySpan<uint> keys, uint threshold, int takeAtThreshold, Span<int> selected)
    {
        // A raster-order scan takes the threshold ties lowest index first, which is the tie rule of the contract.
        // Usually a small share of the cells is taken, so a vector with no key at or above the threshold is skipped.
        int n = 0;
        int equalTaken = 0;
        int i = 0;
        var thresholdVector = new Vector<uint>(threshold);
        for (; i <= keys.Length - Vector<uint>.Count; i += Vector<uint>.Count)
        {
            if (Vector.GreaterThanOrEqualAny(new Vector<uint>(keys[i..]), thresholdVector))
            {
                for (int k = i; k < i + Vector<uint>.Count; k++)
                {
                    uint key = keys[k];
                    if (key > threshold || (key == threshold && equalTaken++ < takeAtThreshold))
                    {
                        selected[n++] = k;
                    }
                }
            }
        }

        for (; i < keys.Length; i++)
        {
            uint key = keys[i];
            if (key > threshold || (key == threshold && equalTaken++ < takeAtThreshold))
            {
                selected[n++] = i;
            }
        }
    }

    private static void SortSelected(ReadOnlySpan<uint> keys, Span<int> selected)
    {
        // (~key, index) packed in a ulong sorts ascending into descending uncertainty, then ascending index.
        ulong[] packed = ArrayPool<ulong>.Shared.Rent(selected.Length);
        try
        {
            var span = packed.AsSpan(0, selected.Length);
            for (int p = 0; p < span.Length; p++)
            {
                span[p] = ((ulong)~keys[selected[p]] << 32) | (uint)selected[p];
            }

            span.Sort();
            for (int p = 0; p < span.Length; p++)
            {
                selected[p] = (int)(uint)span[p];
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(packed);
        }
    }
}
