using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>
/// Compares an instance model.json with the graphs' metadata, with itself, and with one small run. Each difference
/// is one sentence saying what model.json claims and what the graph has.
/// </summary>
public static class InstanceContract
{
    public static List<string> Check(
        InstanceManifest m,
        IReadOnlyDictionary<string, TensorSpec> detectorInputs,
        IReadOnlyDictionary<string, TensorSpec> detectorOutputs,
        IReadOnlyDictionary<string, TensorSpec> headInputs,
        IReadOnlyDictionary<string, TensorSpec> headOutputs)
    {
        var problems = new List<string>();
        var o = m.Detector.Outputs;
        Expect(problems, "detector input", detectorInputs, m.Input.Name, TensorElementType.Float, 4, 1, 3, "input.name");
        Expect(problems, "detector output", detectorOutputs, o.Boxes, TensorElementType.Float, 2, 1, 4, "detector.outputs.boxes");
        Expect(problems, "detector output", detectorOutputs, o.Scores, TensorElementType.Float, 1, 0, -1, "detector.outputs.scores");
        Expect(problems, "detector output", detectorOutputs, o.Classes, TensorElementType.Int64, 1, 0, -1, "detector.outputs.classes");
        Expect(problems, "detector output", detectorOutputs, o.Coarse, TensorElementType.Float, 4, 1, 1, "detector.outputs.coarse (one mask per detection)");
        foreach (var f in m.Features)
        {
            if (f.Layout is not (FeatureOutput.Nchw or FeatureOutput.Nhwc))
            {
                problems.Add($"model.json features[{f.Name}].layout is '{f.Layout}'; it must be '{FeatureOutput.Nchw}' or '{FeatureOutput.Nhwc}'");
            }

            Expect(problems, "detector output", detectorOutputs, f.Name, TensorElementType.Float, 4, f.ChannelsLast ? 3 : 1, f.Channels, $"features[{f.Name}].channels");

            // With dynamic spatial axes the check above cannot tell the layouts apart; a channel count sitting on the
            // other layout's axis can, and sampling a map in the wrong layout would give plausible-looking garbage.
            var (axis, other) = f.ChannelsLast ? (3, 1) : (1, 3);
            if (detectorOutputs.TryGetValue(f.Name, out var spec) && spec.Dims.Count == 4 && spec.Dims[axis] == -1 && spec.Dims[other] == f.Channels)
            {
                problems.Add($"detector output '{f.Name}' has its {f.Channels} channels at dimension {other}; model.json features[{f.Name}].layout says '{f.Layout}' (channels at dimension {axis})");
            }
        }

        Expect(problems, "point_head input", headInputs, m.PointHead.Input, TensorElementType.Float, 3, 1, m.PointHead.InChannels, "point_head.in_channels");
        Expect(problems, "point_head output", headOutputs, m.PointHead.Output, TensorElementType.Float, 3, 1, 1, "point_head.output (one logit per point)");

        var sum = m.Features.Sum(f => f.Channels) + 1;
        if (m.PointHead.InChannels != sum)
        {
            problems.Add($"model.json point_head.in_channels is {m.PointHead.InChannels}; features ({string.Join(" + ", m.Features.Select(f => f.Channels))}) + 1 coarse logit = {sum}");
        }

        var initial = MaskRefineOptions.InitialResolution(m.Detector.CoarseResolution, m.Mask.Points);
        if (m.Mask.InitialResolution != initial || m.Mask.OutputResolution != initial << m.Mask.Steps)
        {
            problems.Add($"model.json mask (points {m.Mask.Points}, steps {m.Mask.Steps}) implies {initial} -> {initial << m.Mask.Steps} from the {m.Detector.CoarseResolution}x{m.Detector.CoarseResolution} coarse mask; it says {m.Mask.InitialResolution} -> {m.Mask.OutputResolution}");
        }

        if (m.Mask.Steps < 0 || m.Mask.Steps > MaskRefineOptions.MaxSteps || m.Mask.Points < 1)
        {
            problems.Add($"model.json mask.steps is {m.Mask.Steps} and mask.points {m.Mask.Points}; steps must be 0..{MaskRefineOptions.MaxSteps} and points positive");
        }

        if (m.Input.SizeMultiple <= 0 || m.Features.Any(f => f.Stride <= 0 || m.Input.SizeMultiple % f.Stride != 0))
        {
            problems.Add($"model.json feature strides ({string.Join(", ", m.Features.Select(f => f.Stride))}) must divide input.size_multiple ({m.Input.SizeMultiple})");
        }

        return problems;
    }

    /// <summary>
    /// Runs both graphs once on a small blank input, which also warms the sessions. A blank input has no detections,
    /// which the detector may report as its zero-row failure (<see cref="InstanceDetector.IsNoDetectionFailure"/>); the
    /// fine maps' strides are therefore checked on every run instead.
    /// </summary>
    public static List<string> Probe(InstanceManifest m, InferenceSession detector, InferenceSession head)
    {
        var problems = new List<string>();
        var side = Math.Max(64, m.Input.SizeMultiple);
        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * side * side], [1L, 3, side, side]);
        using var runOptions = new RunOptions();
        var o = m.Detector.Outputs;
        try
        {
            using var outputs = detector.Run(runOptions, [m.Input.Name], [input], [o.Boxes, o.Scores, o.Classes, o.Coarse, .. m.Features.Select(f => f.Name)]);
        }
        catch (OnnxRuntimeException ex) when (InstanceDetector.IsNoDetectionFailure(ex))
        {
        }

        const int points = 4;
        using var features = OrtValue.CreateTensorValueFromMemory(new float[2 * m.PointHead.InChannels * points], [2L, m.PointHead.InChannels, points]);
        using var logits = head.Run(runOptions, [m.PointHead.Input], [features], [m.PointHead.Output]);
        var shape = logits[0].GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual([2L, 1, points]))
        {
            problems.Add($"{m.PointHead.File} output for 2 detections x {points} points is [{string.Join(", ", shape)}]; the contract needs [2, 1, {points}]");
        }

        return problems;
    }

    private static void Expect(
        List<string> problems, string where, IReadOnlyDictionary<string, TensorSpec> specs, string name, TensorElementType type, int rank, int dim, int size, string manifestKey)
    {
        if (!specs.TryGetValue(name, out var spec))
        {
            problems.Add($"model.json names {where} '{name}' ({manifestKey}); the graph has [{string.Join(", ", specs.Keys)}]");
            return;
        }

        if (spec.Type != type)
        {
            problems.Add($"{where} '{name}' is {spec.Type}; the contract needs {type}");
        }

        if (spec.Dims.Count != rank)
        {
            problems.Add($"{where} '{name}' has rank {spec.Dims.Count} ({spec}); the contract needs rank {rank}");
        }
        else if (size > 0 && spec.Dims[dim] != -1 && spec.Dims[dim] != size)
        {
            problems.Add($"{where} '{name}' has {spec.Dims[dim]} at dimension {dim}; model.json says {size} ({manifestKey})");
        }
    }
}
