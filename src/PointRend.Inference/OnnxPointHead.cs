using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PointRend.Core;

namespace PointRend.Inference;

/// <summary>
/// point_head.onnx as an <see cref="IPointHead"/>. Made per request (it is two references) so it can carry the
/// request's RunOptions, whose Terminate flag cancels a Run in flight. Input and output are wrapped in place, no copies.
/// </summary>
public sealed class OnnxPointHead(LoadedModel model, RunOptions runOptions) : IPointHead
{
    private readonly string[] _inputNames = [model.Manifest.PointHead.Input];
    private readonly string[] _outputNames = [model.Manifest.PointHead.Output];

    public int InChannels { get; } = model.Manifest.PointHead.InChannels;

    public int Classes { get; } = model.Classes;

    public unsafe void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
    {
        long inLength = (long)InChannels * points;
        long outLength = (long)Classes * points;
        if (pointFeatures.Length < inLength || pointLogits.Length < outLength)
        {
            throw new ArgumentException($"point head buffers too small for {points} points");
        }

        // The spans stay pinned for the whole Run, which is what CreateTensorValueWithData requires.
        fixed (float* input = pointFeatures)
        fixed (float* output = pointLogits)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [1, InChannels, points], (nint)input, inLength * sizeof(float));
            using var outputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [1, Classes, points], (nint)output, outLength * sizeof(float));
            model.PointHead.Run(runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
        }
    }
}
