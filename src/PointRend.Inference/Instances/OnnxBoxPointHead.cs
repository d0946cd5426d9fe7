using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>
/// An instance model's point_head.onnx as an <see cref="IBoxPointHead"/>: R x C x P in, R x 1 x P out, wrapped in place.
/// Made per request so it carries the request's RunOptions (Terminate cancels a Run in flight).
/// </summary>
public sealed class OnnxBoxPointHead(InstanceModel model, RunOptions runOptions) : IBoxPointHead
{
    private readonly string[] _inputNames = [model.Manifest.PointHead.Input];
    private readonly string[] _outputNames = [model.Manifest.PointHead.Output];

    public int InChannels { get; } = model.Manifest.PointHead.InChannels;

    /// <summary>ONNX Runtime parallelises the head itself; these threads share the sampling, selection and paste around it.</summary>
    public int Threads => model.Threads;

    /// <summary>Point-head calls made (one per step for up to 83 detections of 784 points).</summary>
    public int Calls { get; private set; }

    public unsafe void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, Span<float> pointLogits)
    {
        long inLength = (long)detections * InChannels * points;
        long outLength = (long)detections * points;
        if (pointFeatures.Length < inLength || pointLogits.Length < outLength)
        {
            throw new ArgumentException($"point head buffers too small for {detections} x {points} points");
        }

        fixed (float* input = pointFeatures)
        fixed (float* output = pointLogits)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [detections, InChannels, points], (nint)input, inLength * sizeof(float));
            using var outputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [detections, 1, points], (nint)output, outLength * sizeof(float));
            model.PointHead.Run(runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
        }

        Calls++;
    }
}
