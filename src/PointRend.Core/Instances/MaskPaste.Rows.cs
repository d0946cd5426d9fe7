// Shape shorthand: m x m mask logits, a W x H crop; a cached mask row is 2 W probabilities (every column's west tap,
// then every column's east tap), the planar layout of the x taps.
// Coordinates: as MaskPaste.
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core.Instances;

/// <summary>The pixel loop eight pixels at a time, and the sigmoid a vector at a time.</summary>
public static partial class MaskPaste
{
    /// <summary>Byte k of entry b is bit k of b: eight compare results become eight mask bytes in one store.</summary>
    private static readonly ulong[] ByteMasks = MakeByteMasks();

    /// <summary>
    /// <see cref="PasteScalar"/>'s bits, eight pixels per step. Each mask row's probabilities under the columns' taps
    /// are gathered once (rows repeat for boxes taller than m), so the pixel loop only loads contiguous vectors. Every
    /// lane does the scalar loop's products and sums in its order (.NET never fuses a multiply and an add), so the
    /// value compared with the threshold is the scalar one bit for bit; the sigmoid is elementwise, so taking it per
    /// gathered row or over the whole grid gives the same probabilities.
    /// </summary>
    private static int PasteRows(
        ReadOnlySpan<float> logits, int resolution, ReadOnlySpan<int> xTaps, ReadOnlySpan<float> xWeights, ReadOnlySpan<int> yTaps, ReadOnlySpan<float> yWeights,
        float threshold, Span<byte> bits)
    {
        int width = xTaps.Length / 2;
        int height = yTaps.Length / 2;
        int rowLength = 2 * width;
        float[] cache = ArrayPool<float>.Shared.Rent(resolution * rowLength);
        float[] scratch = ArrayPool<float>.Shared.Rent(resolution);
        bool[] ready = ArrayPool<bool>.Shared.Rent(resolution);
        try
        {
            ready.AsSpan(0, resolution).Clear();
            var limit = Vector256.Create(threshold);
            ref float ww = ref MemoryMarshal.GetReference(xWeights);
            ref float we = ref Unsafe.Add(ref ww, width);
            ref byte bytes = ref MemoryMarshal.GetReference(bits);
            int area = 0;
            for (int y = 0; y < height; y++)
            {
                int yn = yTaps[y];
                int ys = yTaps[height + y];
                GatherRow(logits, resolution, yn, xTaps, cache, ready, scratch);
                GatherRow(logits, resolution, ys, xTaps, cache, ready, scratch);
                ref float nw = ref cache[yn * rowLength];
                ref float ne = ref Unsafe.Add(ref nw, width);
                ref float sw = ref cache[ys * rowLength];
                ref float se = ref Unsafe.Add(ref sw, width);
                float wn = yWeights[y];
                float ws = yWeights[height + y];
                var vwn = Vector256.Create(wn);
                var vws = Vector256.Create(ws);
                ref byte row = ref Unsafe.Add(ref bytes, y * width);
                int x = 0;
                for (; x <= width - Vector256<float>.Count; x += Vector256<float>.Count)
                {
                    var vww = Vector256.LoadUnsafe(ref ww, (nuint)x);
                    var vwe = Vector256.LoadUnsafe(ref we, (nuint)x);
                    var value = (Vector256.LoadUnsafe(ref nw, (nuint)x) * (vwn * vww)) + (Vector256.LoadUnsafe(ref ne, (nuint)x) * (vwn * vwe))
                        + (Vector256.LoadUnsafe(ref sw, (nuint)x) * (vws * vww)) + (Vector256.LoadUnsafe(ref se, (nuint)x) * (vws * vwe));
                    uint set = Vector256.GreaterThanOrEqual(value, limit).ExtractMostSignificantBits();
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref row, x), ByteMasks[set]);
                    area += BitOperations.PopCount(set);
                }

                for (; x < width; x++)
                {
                    float pw = Unsafe.Add(ref ww, x);
                    float pe = Unsafe.Add(ref we, x);
                    float value = (Unsafe.Add(ref nw, x) * (wn * pw)) + (Unsafe.Add(ref ne, x) * (wn * pe))
                        + (Unsafe.Add(ref sw, x) * (ws * pw)) + (Unsafe.Add(ref se, x) * (ws * pe));
                    byte set = value >= threshold ? (byte)1 : (byte)0;
                    Unsafe.Add(ref row, x) = set;
                    area += set;
                }
            }

            return area;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cache);
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<bool>.Shared.Return(ready);
        }
    }

    /// <summary>Fills cache row <paramref name="r"/> the first time it is needed, with the fewer sigmoids of the two orders.</summary>
    private static void GatherRow(ReadOnlySpan<float> logits, int resolution, int r, ReadOnlySpan<int> xTaps, float[] cache, bool[] ready, float[] scratch)
    {
        if (ready[r])
        {
            return;
        }

        var source = logits.Slice(r * resolution, resolution);
        var row = cache.AsSpan(r * xTaps.Length, xTaps.Length);
        if (xTaps.Length < resolution)
        {
            for (int k = 0; k < row.Length; k++)
            {
                row[k] = source[xTaps[k]];
            }

            Sigmoid(row, row);
        }
        else
        {
            var probs = scratch.AsSpan(0, resolution);
            Sigmoid(source, probs);
            for (int k = 0; k < row.Length; k++)
            {
                row[k] = probs[xTaps[k]];
            }
        }

        ready[r] = true;
    }

    /// <summary>
    /// 1 / (1 + exp(-x)) elementwise (in place allowed). With vectors every element takes the vector exp, short
    /// inputs and tails included, so a probability never depends on where its logit sits; that exp may differ from
    /// MathF.Exp in the last bit (torch's vectorised exp differs from both), which the goldens' few-pixel tolerance covers.
    /// </summary>
    internal static void Sigmoid(ReadOnlySpan<float> logits, Span<float> probs)
    {
        int n = logits.Length;
        if (probs.Length < n)
        {
            throw new ArgumentException($"Probabilities hold {probs.Length} floats; {n} needed.", nameof(probs));
        }

        if (Vector512.IsHardwareAccelerated)
        {
            SigmoidVectors<Simd512, Vector512<float>>(logits, probs);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            SigmoidVectors<Simd256, Vector256<float>>(logits, probs);
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                probs[i] = 1f / (1f + MathF.Exp(-logits[i]));
            }
        }
    }

    private static void SigmoidVectors<TS, TV>(ReadOnlySpan<float> logits, Span<float> probs)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int n = logits.Length;
        int lanes = TS.Count;
        if (n < lanes)
        {
            Span<float> pad = stackalloc float[lanes];
            pad.Clear();
            logits.CopyTo(pad);
            ref float padded = ref MemoryMarshal.GetReference(pad);
            TS.Store(TS.Sigmoid(TS.Load(ref padded)), ref padded);
            pad[..n].CopyTo(probs);
            return;
        }

        ref float source = ref MemoryMarshal.GetReference(logits);
        ref float destination = ref MemoryMarshal.GetReference(probs);
        // The last vector is read before the loop can overwrite its inputs (in place).
        var last = TS.Sigmoid(TS.Load(ref Unsafe.Add(ref source, n - lanes)));
        for (int i = 0; i <= n - lanes; i += lanes)
        {
            TS.Store(TS.Sigmoid(TS.Load(ref Unsafe.Add(ref source, i))), ref Unsafe.Add(ref destination, i));
        }

        TS.Store(last, ref Unsafe.Add(ref destination, n - lanes));
    }

    private static ulong[] MakeByteMasks()
    {
        var masks = new ulong[256];
        for (int b = 0; b < 256; b++)
        {
            for (int k = 0; k < 8; k++)
            {
                masks[b] |= (ulong)((b >> k) & 1) << (8 * k);
            }
        }

        return masks;
    }
}
