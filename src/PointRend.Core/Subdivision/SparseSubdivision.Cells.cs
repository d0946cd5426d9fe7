// Shape shorthand: K classes, a slot holds K logits padded to Stride (8 or 16) floats; H x W grid of a level.
// Coordinates: (y, x) is row y, column x of the level; its cell is y * W + x.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>Exact logits of single cells, memoised in slots, and their label and uncertainty.</summary>
internal sealed partial class SparseSubdivision
{
    /// <summary>The slot holding the exact logits of (y, x) in level step (computing them, and what they need, once).</summary>
    /// <remarks>Taking the row and column rather than the cell spares a division per call: callers walk rows anyway.</remarks>
    private int Ensure(int step, int y, int x)
    {
        var level = _levels[step];
        int cell = (y * level.Width) + x;
        int slot = level.Slot[cell];
        return slot >= 0 ? slot : Compute(step, level, y, x, cell);
    }

    private int Compute(int step, SparseLevel level, int y, int x, int cell)
    {
        var parent = _levels[step - 1];
        var rows = level.Rows!;
        var columns = level.Columns!;
        int t = rows.FirstOf(y);
        int b = rows.SecondOf(y);
        int l = columns.FirstOf(x);
        int r = columns.SecondOf(x);
        int a00 = Source(step - 1, parent, t, l) * parent.Stride;
        int a01 = Source(step - 1, parent, t, r) * parent.Stride;
        int a10 = Source(step - 1, parent, b, l) * parent.Stride;
        int a11 = Source(step - 1, parent, b, r) * parent.Stride;

        // Interpolate writes every lane of the slot, padding included (zero, from the parents' zero padding).
        int slot = level.AllocateUncleared(cell);
        Interpolate(parent.Store, a00, a01, a10, a11, columns.FirstWeightOf(x), columns.SecondWeightOf(x), rows.FirstWeightOf(y), rows.SecondWeightOf(y),
            level.Store, slot * level.Stride, level.Stride);
        return slot;
    }

    /// <summary>Ensure with the common case (the cell below is already known) inlined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Source(int step, SparseLevel level, int y, int x)
    {
        int slot = level.Slot[(y * level.Width) + x];
        return slot >= 0 ? slot : Compute(step, level, y, x, (y * level.Width) + x);
    }

    /// <summary>
    /// BilinearUpsample's value, operation for operation: each row lx0 * left + lx1 * right (InterpolateRow), then
    /// ly0 * upper + ly1 * lower (Blend); plain multiplies and adds, which .NET never fuses, so the floats match.
    /// </summary>
    private static void Interpolate(
        float[] source, int a00, int a01, int a10, int a11, float lx0, float lx1, float ly0, float ly1, float[] output, int at, int stride)
    {
        // A slot of 16 or 8 lanes goes through one vector operation per step, lane for lane the same multiplies and
        // adds as the scalar loop (and as BilinearUpsample). The callers' slots lie inside both arrays.
        ref float s = ref MemoryMarshal.GetArrayDataReference(source);
        ref float o = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), at);
        if (Vector512.IsHardwareAccelerated && stride == 16)
        {
            var wx0 = Vector512.Create(lx0);
            var wx1 = Vector512.Create(lx1);
            var upper = (wx0 * Vector512.LoadUnsafe(ref s, (nuint)a00)) + (wx1 * Vector512.LoadUnsafe(ref s, (nuint)a01));
            var lower = (wx0 * Vector512.LoadUnsafe(ref s, (nuint)a10)) + (wx1 * Vector512.LoadUnsafe(ref s, (nuint)a11));
            ((Vector512.Create(ly0) * upper) + (Vector512.Create(ly1) * lower)).StoreUnsafe(ref o);
            return;
        }

        int k = 0;
        if (Vector256.IsHardwareAccelerated && stride % 8 == 0)
        {
            var wx0 = Vector256.Create(lx0);
            var wx1 = Vector256.Create(lx1);
            var wy0 = Vector256.Create(ly0);
            var wy1 = Vector256.Create(ly1);
            for (; k < stride; k += 8)
            {
                var upper = (wx0 * Vector256.LoadUnsafe(ref s, (nuint)(a00 + k))) + (wx1 * Vector256.LoadUnsafe(ref s, (nuint)(a01 + k)));
                var lower = (wx0 * Vector256.LoadUnsafe(ref s, (nuint)(a10 + k))) + (wx1 * Vector256.LoadUnsafe(ref s, (nuint)(a11 + k)));
                ((wy0 * upper) + (wy1 * lower)).StoreUnsafe(ref o, (nuint)k);
            }

            return;
        }

        for (; k < stride; k++)
        {
            float upper = (lx0 * source[a00 + k]) + (lx1 * source[a01 + k]);
            float lower = (lx0 * source[a10 + k]) + (lx1 * source[a11 + k]);
            output[at + k] = (ly0 * upper) + (ly1 * lower);
        }
    }

    /// <summary>
    /// <see cref="LabelAndUncertainty(ReadOnlySpan{float})"/> of the slot at store[at]: one vector for 8 or 16 lanes
    /// (a cell's argmax lands anywhere, so the scalar loop's branches mispredict about once a cell).
    /// </summary>
    private (byte Label, float Uncertainty) LabelAndUncertainty(float[] store, int at, int stride)
    {
        ref float s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(store), at);
        if (Vector512.IsHardwareAccelerated && stride == 16)
        {
            // Padding lanes become -inf, below every (finite) logit, so they are never the top two.
            var v = Vector512.ConditionalSelect(_validLanes512, Vector512.LoadUnsafe(ref s), Vector512.Create(float.NegativeInfinity));
            int label = BitOperations.TrailingZeroCount(Vector512.Equals(v, Vector512.Create(Max(v))).ExtractMostSignificantBits());
            var rest = Vector512.ConditionalSelect(Vector512.Equals(Vector512<int>.Indices, Vector512.Create(label)).AsSingle(), Vector512.Create(float.NegativeInfinity), v);
            return ((byte)label, Max(rest) - Unsafe.Add(ref s, label));
        }

        if (Vector256.IsHardwareAccelerated && stride == 8)
        {
            var v = Vector256.ConditionalSelect(_validLanes256, Vector256.LoadUnsafe(ref s), Vector256.Create(float.NegativeInfinity));
            int label = BitOperations.TrailingZeroCount(Vector256.Equals(v, Vector256.Create(Max(v))).ExtractMostSignificantBits());
            var rest = Vector256.ConditionalSelect(Vector256.Equals(Vector256<int>.Indices, Vector256.Create(label)).AsSingle(), Vector256.Create(float.NegativeInfinity), v);
            return ((byte)label, Max(rest) - Unsafe.Add(ref s, label));
        }

        return LabelAndUncertainty(store.AsSpan(at, _classes));
    }

    /// <summary>
    /// The largest lane. Its zero's sign may differ from the scalar loop's, which nothing downstream sees: the label
    /// is the first lane equal to it, and the uncertainty's keys and bounds treat -0 as +0.
    /// </summary>
    private static float Max(Vector512<float> v) => Max(Vector256.MaxNative(v.GetLower(), v.GetUpper()));

    private static float Max(Vector256<float> v)
    {
        var q = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        q = Vector128.MaxNative(q, Vector128.Shuffle(q, Vector128.Create(2, 3, 0, 1)));
        q = Vector128.MaxNative(q, Vector128.Shuffle(q, Vector128.Create(1, 0, 3, 2)));
        return q.ToScalar();
    }

    /// <summary>LabelMaps.Argmax's label (strictly greater wins) and UncertaintyMap.TopTwoGap's top2 - top1 of one cell.</summary>
    private static (byte Label, float Uncertainty) LabelAndUncertainty(ReadOnlySpan<float> logits)
    {
        // Plain comparisons instead of MathF.Max/Min: the logits are finite here, where both give the same values
        // (a zero's sign aside, which neither the selection keys nor the labels see).
        float top1 = logits[0];
        float top2 = float.NegativeInfinity;
        int index = 0;
        for (int k = 1; k < logits.Length; k++)
        {
            float v = logits[k];
            if (v > top1)
            {
                top2 = top1;
                top1 = v;
                index = k;
            }
            else if (v > top2)
            {
                top2 = v;
            }
        }

        return ((byte)index, top2 - top1);
    }
}
