// Shape shorthand: K classes, C input channels, P points, B = 2 SIMD vectors of points per block, G = 8 outputs per
// register group; every buffer is channel-major: row r of a block is its B points' values of channel r.
// Coordinates: none.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PointRend.Core;

/// <summary>The kernel of <see cref="MlpPointHead"/>: all layers for one block of points, then the next block.</summary>
internal static class MlpBlocks
{
    public readonly record struct Context(MlpPointHead.PackedLayer[] Layers, int InChannels, int Classes, int Widest);

    /// <summary>Points start..start+count of a batch of <paramref name="stride"/> points (rows are stride apart).</summary>
    public static void Run<TS, TV>(Context context, ReadOnlySpan<float> features, int start, int count, int stride, Span<float> logits)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int block = 2 * TS.Count;
        int c = context.InChannels;
        int k = context.Classes;
        int end = start + count;
        float[] scratch = ArrayPool<float>.Shared.Rent(((2 * context.Widest) + c + k) * block);
        try
        {
            var hidden = scratch.AsSpan(0, 2 * context.Widest * block);
            ref float input = ref MemoryMarshal.GetReference(features);
            ref float output = ref MemoryMarshal.GetReference(logits);
            int p = start;
            for (; p + block <= end; p += block)
            {
                Block<TS, TV>(context, ref Unsafe.Add(ref input, p), stride, ref Unsafe.Add(ref output, p), stride, hidden);
            }

            if (p < end)
            {
                // The last partial block runs on a zero-padded copy, so the kernel never reads or writes past the range.
                int tail = end - p;
                var tailIn = scratch.AsSpan(2 * context.Widest * block, c * block);
                var tailOut = scratch.AsSpan((2 * context.Widest + c) * block, k * block);
                tailIn.Clear();
                for (int row = 0; row < c; row++)
                {
                    features.Slice((row * stride) + p, tail).CopyTo(tailIn.Slice(row * block));
                }

                Block<TS, TV>(context, ref MemoryMarshal.GetReference(tailIn), block, ref MemoryMarshal.GetReference(tailOut), block, hidden);
                for (int row = 0; row < k; row++)
                {
                    tailOut.Slice(row * block, tail).CopyTo(logits.Slice((row * stride) + p));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static void Block<TS, TV>(Context context, ref float input, int inputStride, ref float output, int outputStride, Span<float> hidden)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int block = 2 * TS.Count;
        var layers = context.Layers;
        ref float coarse = ref Unsafe.Add(ref input, (context.InChannels - context.Classes) * inputStride);
        ref float current = ref MemoryMarshal.GetReference(hidden);
        ref float next = ref Unsafe.Add(ref current, context.Widest * block);
        Layer<TS, TV>(layers[0], ref input, inputStride, layers[0].Inputs, ref coarse, inputStride, 0, relu: layers.Length > 1,
            ref layers.Length > 1 ? ref current : ref output, layers.Length > 1 ? block : outputStride);
        for (int l = 1; l < layers.Length; l++)
        {
            bool last = l == layers.Length - 1;
            int previous = layers[l - 1].Outputs;
            Layer<TS, TV>(layers[l], ref current, block, previous, ref coarse, inputStride, context.Classes, relu: !last,
                ref last ? ref output : ref next, last ? outputStride : block);
            ref float swap = ref current;
            current = ref next;
            next = ref swap;
        }
    }

    /// <summary>
    /// out[o] = bias[o] + sum over rowsA rows of a, then rowsB rows of b, of w[o, row] * row; ReLU when asked.
    /// Only the layer's real outputs are stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Layer<TS, TV>(
        MlpPointHead.PackedLayer layer, ref float a, int strideA, int rowsA, ref float b, int strideB, int rowsB, bool relu,
        ref float destination, int destinationStride)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        const int G = MlpPointHead.PackedLayer.GroupSize;
        int n = TS.Count;
        ref float weights = ref MemoryMarshal.GetArrayDataReference(layer.Weights);
        ref float bias = ref MemoryMarshal.GetArrayDataReference(layer.Bias);
        for (int g = 0; g < layer.Groups; g++)
        {
            TV a0 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 0)), b0 = a0;
            TV a1 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 1)), b1 = a1;
            TV a2 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 2)), b2 = a2;
            TV a3 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 3)), b3 = a3;
            TV a4 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 4)), b4 = a4;
            TV a5 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 5)), b5 = a5;
            TV a6 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 6)), b6 = a6;
            TV a7 = TS.Broadcast(Unsafe.Add(ref bias, (g * G) + 7)), b7 = a7;
            ref float w = ref Unsafe.Add(ref weights, g * layer.Inputs * G);
            for (int r = 0; r < rowsA; r++, w = ref Unsafe.Add(ref w, G))
            {
                ref float row = ref Unsafe.Add(ref a, r * strideA);
                TV x0 = TS.Load(ref row);
                TV x1 = TS.Load(ref Unsafe.Add(ref row, n));
                TV w0 = TS.Broadcast(Unsafe.Add(ref w, 0));
                a0 = TS.Fma(w0, x0, a0); b0 = TS.Fma(w0, x1, b0);
                TV w1 = TS.Broadcast(Unsafe.Add(ref w, 1));
                a1 = TS.Fma(w1, x0, a1); b1 = TS.Fma(w1, x1, b1);
                TV w2 = TS.Broadcast(Unsafe.Add(ref w, 2));
                a2 = TS.Fma(w2, x0, a2); b2 = TS.Fma(w2, x1, b2);
                TV w3 = TS.Broadcast(Unsafe.Add(ref w, 3));
                a3 = TS.Fma(w3, x0, a3); b3 = TS.Fma(w3, x1, b3);
                TV w4 = TS.Broadcast(Unsafe.Add(ref w, 4));
                a4 = TS.Fma(w4, x0, a4); b4 = TS.Fma(w4, x1, b4);
                TV w5 = TS.Broadcast(Unsafe.Add(ref w, 5));
                a5 = TS.Fma(w5, x0, a5); b5 = TS.Fma(w5, x1, b5);
                TV w6 = TS.Broadcast(Unsafe.Add(ref w, 6));
                a6 = TS.Fma(w6, x0, a6); b6 = TS.Fma(w6, x1, b6);
                TV w7 = TS.Broadcast(Unsafe.Add(ref w, 7));
                a7 = TS.Fma(w7, x0, a7); b7 = TS.Fma(w7, x1, b7);
            }

            for (int r = 0; r < rowsB; r++, w = ref Unsafe.Add(ref w, G))
            {
                ref float row = ref Unsafe.Add(ref b, r * strideB);
                TV x0 = TS.Load(ref row);
                TV x1 = TS.Load(ref Unsafe.Add(ref row, n));
                TV w0 = TS.Broadcast(Unsafe.Add(ref w, 0));
                a0 = TS.Fma(w0, x0, a0); b0 = TS.Fma(w0, x1, b0);
                TV w1 = TS.Broadcast(Unsafe.Add(ref w, 1));
                a1 = TS.Fma(w1, x0, a1); b1 = TS.Fma(w1, x1, b1);
                TV w2 = TS.Broadcast(Unsafe.Add(ref w, 2));
                a2 = TS.Fma(w2, x0, a2); b2 = TS.Fma(w2, x1, b2);
                TV w3 = TS.Broadcast(Unsafe.Add(ref w, 3));
                a3 = TS.Fma(w3, x0, a3); b3 = TS.Fma(w3, x1, b3);
                TV w4 = TS.Broadcast(Unsafe.Add(ref w, 4));
                a4 = TS.Fma(w4, x0, a4); b4 = TS.Fma(w4, x1, b4);
                TV w5 = TS.Broadcast(Unsafe.Add(ref w, 5));
                a5 = TS.Fma(w5, x0, a5); b5 = TS.Fma(w5, x1, b5);
                TV w6 = TS.Broadcast(Unsafe.Add(ref w, 6));
                a6 = TS.Fma(w6, x0, a6); b6 = TS.Fma(w6, x1, b6);
                TV w7 = TS.Broadcast(Unsafe.Add(ref w, 7));
                a7 = TS.Fma(w7, x0, a7); b7 = TS.Fma(w7, x1, b7);
            }

            if (relu)
            {
                a0 = TS.Relu(a0); b0 = TS.Relu(b0);
                a1 = TS.Relu(a1); b1 = TS.Relu(b1);
                a2 = TS.Relu(a2); b2 = TS.Relu(b2);
                a3 = TS.Relu(a3); b3 = TS.Relu(b3);
                a4 = TS.Relu(a4); b4 = TS.Relu(b4);
                a5 = TS.Relu(a5); b5 = TS.Relu(b5);
                a6 = TS.Relu(a6); b6 = TS.Relu(b6);
                a7 = TS.Relu(a7); b7 = TS.Relu(b7);
            }

            int o = g * G;
            int valid = Math.Min(G, layer.Outputs - o);
            ref float d = ref Unsafe.Add(ref destination, o * destinationStride);
            TS.Store(a0, ref d); TS.Store(b0, ref Unsafe.Add(ref d, n));
            if (valid > 1)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a1, ref d); TS.Store(b1, ref Unsafe.Add(ref d, n));
            }

            if (valid > 2)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a2, ref d); TS.Store(b2, ref Unsafe.Add(ref d, n));
            }

            if (valid > 3)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a3, ref d); TS.Store(b3, ref Unsafe.Add(ref d, n));
            }

            if (valid > 4)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a4, ref d); TS.Store(b4, ref Unsafe.Add(ref d, n));
            }

            if (valid > 5)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a5, ref d); TS.Store(b5, ref Unsafe.Add(ref d, n));
            }

            if (valid > 6)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a6, ref d); TS.Store(b6, ref Unsafe.Add(ref d, n));
            }

            if (valid > 7)
            {
                d = ref Unsafe.Add(ref d, destinationStride);
                TS.Store(a7, ref d); TS.Store(b7, ref Unsafe.Add(ref d, n));
            }
        }
    }
}
