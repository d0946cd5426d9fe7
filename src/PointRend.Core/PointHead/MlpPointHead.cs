// Shape shorthand: K classes, C = InChannels (fine features, then the K coarse logits last), P points, L layers,
// H hidden channels; buffers are channel-major ([c * P + p]) as IPointHead requires.
// Coordinates: none; the head only sees features already sampled at the points.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PointRend.Core;

/// <summary>One 1x1 layer: Weights is Outputs x Inputs, row-major (a Conv1d weight with its kernel axis dropped).</summary>
public sealed record MlpLayer(float[] Weights, float[] Bias, int Outputs, int Inputs);

/// <summary>
/// detectron2's StandardPointHead with <c>coarse_pred_each_layer</c> as plain SIMD code instead of an ONNX Runtime
/// session: layer 0 reads all C input channels; every later layer reads the previous layer's ReLU output followed by
/// the last K input channels (the coarse logits) again; the last layer has no ReLU and predicts the K classes.
/// </summary>
/// <remarks>
/// Points go through all layers in blocks of two SIMD vectors, so a block's activations stay in L1 and nothing is
/// written between layers but the block. Every output is bias + sum over inputs in input order with one fused
/// multiply-add per term, the same on every instruction set (AVX-512, AVX2+FMA, 128-bit), so results do not
/// depend on the machine. ONNX Runtime sums in another order, so the two agree to float rounding, not bit for bit.
/// </remarks>
public sealed class MlpPointHead : IPointHead
{
    private readonly PackedLayer[] _layers;
    private readonly int _widest;

    public MlpPointHead(int inChannels, int classes, IReadOnlyList<MlpLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (layers.Count == 0)
        {
            throw new ArgumentException("A point head needs at least one layer.", nameof(layers));
        }

        if (inChannels <= classes)
        {
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"The input must hold features before the {classes} coarse logits.");
        }

        _layers = new PackedLayer[layers.Count];
        int expectedInputs = inChannels;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Inputs != expectedInputs || layer.Weights.Length != layer.Outputs * layer.Inputs || layer.Bias.Length != layer.Outputs || layer.Outputs < 1)
            {
                throw new ArgumentException(
                    $"Layer {i} is {layer.Outputs} x {layer.Inputs} with {layer.Weights.Length} weights and {layer.Bias.Length} biases; " +
                    $"it must read {expectedInputs} inputs (layer 0: all {inChannels} channels; later: the previous layer's outputs + {classes} coarse logits).",
                    nameof(layers));
            }

            _layers[i] = PackedLayer.From(layer);
            expectedInputs = layer.Outputs + classes;
            _widest = Math.Max(_widest, _layers[i].PaddedOutputs);
        }

        if (layers[^1].Outputs != classes)
        {
            throw new ArgumentException($"The last layer predicts {layers[^1].Outputs} values; the head has {classes} classes.", nameof(layers));
        }

        InChannels = inChannels;
        Classes = classes;
    }

    /// <summary>
    /// True where AVX-512, or AVX2 with FMA, runs the kernel; elsewhere it still computes the same numbers with
    /// 128-bit vectors (and FMA in software where the CPU has none), too slowly to replace ONNX Runtime.
    /// </summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated || (Vector256.IsHardwareAccelerated && Fma.IsSupported);

    /// <summary>The vector instruction set the kernel uses on this machine: "AVX-512", "AVX2+FMA" or "none".</summary>
    public static string InstructionSet => Vector512.IsHardwareAccelerated ? "AVX-512" : IsAccelerated ? "AVX2+FMA" : "none";

    public int InChannels { get; }

    public int Classes { get; }

    /// <summary>Multiply-accumulates per point (for cost reports).</summary>
    public long MacsPerPoint => _layers.Sum(l => (long)l.Outputs * l.Inputs);

    /// <remarks>On the caller's thread only; <see cref="ParallelMlpPointHead"/> shares a call among threads.</remarks>
    public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
    {
        CheckBuffers(pointFeatures, points, pointLogits);
        Run(new MlpBlocks.Context(_layers, InChannels, Classes, _widest), pointFeatures, 0, points, points, pointLogits);
    }

    /// <summary>Points start..start+count of a batch of <paramref name="points"/> (buffers checked by the caller):
    /// each point's logits are the same floats as in a call over the whole batch.</summary>
    internal void PredictRange(ReadOnlySpan<float> pointFeatures, int start, int count, int points, Span<float> pointLogits) =>
        Run(new MlpBlocks.Context(_layers, InChannels, Classes, _widest), pointFeatures, start, count, points, pointLogits);

    internal void CheckBuffers(ReadOnlySpan<float> pointFeatures, int points, ReadOnlySpan<float> pointLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        if (pointFeatures.Length < (long)InChannels * points || pointLogits.Length < (long)Classes * points)
        {
            throw new ArgumentException($"Buffers hold {pointFeatures.Length} features and {pointLogits.Length} logits; {points} points need {InChannels * points} and {Classes * points}.");
        }
    }

    /// <summary>Only points 0..count of a batch of <paramref name="points"/>; the other logits are left as they are.</summary>
    internal void PredictFirst(ReadOnlySpan<float> pointFeatures, int points, int count, Span<float> pointLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, points);
        CheckBuffers(pointFeatures, points, pointLogits);
        Run(new MlpBlocks.Context(_layers, InChannels, Classes, _widest), pointFeatures, 0, count, points, pointLogits);
    }

    private static void Run(MlpBlocks.Context context, ReadOnlySpan<float> features, int start, int count, int stride, Span<float> logits)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            MlpBlocks.Run<Simd512, Vector512<float>>(context, features, start, count, stride, logits);
        }
        else if (IsAccelerated)
        {
            MlpBlocks.Run<Simd256, Vector256<float>>(context, features, start, count, stride, logits);
        }
        else
        {
            MlpBlocks.Run<Simd128, Vector128<float>>(context, features, start, count, stride, logits);
        }
    }

    /// <summary>
    /// Weights regrouped for the kernel: outputs in groups of <see cref="GroupSize"/>, and within a group the
    /// GroupSize weights of one input next to each other, so a block broadcasts them from one cache line.
    /// Padded outputs have zero weights and bias and are never stored.
    /// </summary>
    internal sealed class PackedLayer
    {
        public const int GroupSize = 8;

        private PackedLayer(float[] weights, float[] bias, int outputs, int inputs)
        {
            Weights = weights;
            Bias = bias;
            Outputs = outputs;
            Inputs = inputs;
        }

        public float[] Weights { get; }

        public float[] Bias { get; }

        public int Outputs { get; }

        public int Inputs { get; }

        public int Groups => (Outputs + GroupSize - 1) / GroupSize;

        public int PaddedOutputs => Groups * GroupSize;

        public static PackedLayer From(MlpLayer layer)
        {
            int groups = (layer.Outputs + GroupSize - 1) / GroupSize;
            var weights = new float[groups * layer.Inputs * GroupSize];
            var bias = new float[groups * GroupSize];
            for (int o = 0; o < layer.Outputs; o++)
            {
                int g = o / GroupSize;
                int lane = o % GroupSize;
                bias[o] = layer.Bias[o];
                for (int i = 0; i < layer.Inputs; i++)
                {
                    weights[((g * layer.Inputs) + i) * GroupSize + lane] = layer.Weights[(o * layer.Inputs) + i];
                }
            }

            return new PackedLayer(weights, bias, layer.Outputs, layer.Inputs);
        }
    }
}
