// Shape shorthand: R detections, m = coarse resolution (7), C_f channels of a fine map at H / s x W / s.
// Coordinates: boxes in model-input pixels (W x H), pixel-edge convention.
using Microsoft.ML.OnnxRuntime;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>What detector.onnx returned for one photo; the fine maps stay in ORT's buffers until Dispose.</summary>
public sealed class DetectorOutput : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue>? _values;

    internal DetectorOutput(
        IDisposableReadOnlyCollection<OrtValue>? values, int inputWidth, int inputHeight, DetectionBox[] boxes, float[] scores, long[] classes,
        float[] coarse, int coarseResolution, StridedMap[] fine)
    {
        _values = values;
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        Boxes = boxes;
        Scores = scores;
        Classes = classes;
        Coarse = coarse;
        CoarseResolution = coarseResolution;
        Fine = fine;
    }

    public int InputWidth { get; }

    public int InputHeight { get; }

    /// <summary>R boxes, model-input pixels, by descending score.</summary>
    public DetectionBox[] Boxes { get; }

    public float[] Scores { get; }

    /// <summary>Class ids (1 = person for pennfudan; 0 is background and never output).</summary>
    public long[] Classes { get; }

    /// <summary>R x m x m coarse mask logits.</summary>
    public float[] Coarse { get; }

    public int CoarseResolution { get; }

    /// <summary>The fine maps in model.json order (ORT's memory: valid until Dispose); empty when there are no detections.</summary>
    public IReadOnlyList<StridedMap> Fine { get; }

    public int Count => Boxes.Length;

    public void Dispose() => _values?.Dispose();
}
