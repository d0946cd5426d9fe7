using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PointRend.Inference;

/// <summary>A tensor as the session metadata reports it; -1 = variable dimension.</summary>
public sealed record TensorSpec(string Name, TensorElementType Type, IReadOnlyList<int> Dims)
{
    public static IReadOnlyDictionary<string, TensorSpec> From(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.ToDictionary(
            kv => kv.Key,
            kv => new TensorSpec(kv.Key, kv.Value.IsTensor ? kv.Value.ElementDataType : TensorElementType.DataTypeMax, kv.Value.Dimensions));

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Dims)}]";
}

/// <summary>
/// Compares model.json with the ONNX metadata and with itself. Each difference is one sentence saying what
/// model.json claims and what the graph has, so a start-up failure is fixable without opening Netron.
/// </summary>
public static class ModelContract
{
    public static IReadOnlyList<string> Check(
        ModelManifest m,
        IReadOnlyDictionary<string, TensorSpec> coarseInputs,
        IReadOnlyDictionary<string, TensorSpec> coarseOutputs,
        IReadOnlyDictionary<string, TensorSpec> headInputs,
        IReadOnlyDictionary<string, TensorSpec> headOutputs)
    {
        var problems = new List<string>();
        var k = m.Classes.Count;
        CheckManifest(m, problems);

        Expect(problems, "coarse.onnx input", coarseInputs, m.Input.Name, rank: 4, channels: 3, "input.name");
        Expect(problems, "coarse.onnx output", coarseOutputs, m.Coarse.Output, rank: 4, channels: k, "coarse.output (K = classes)");
        foreach (var feature in m.Features)
        {
            Expect(problems, "coarse.onnx output", coarseOutputs, feature.Name, rank: 4, channels: feature.Channels, $"features[{feature.Name}].channels", channelAxis: feature.ChannelsLast ? 3 : 1);
        }

        Expect(problems, "point_head.onnx input", headInputs, m.PointHead.Input, rank: 3, channels: m.PointHead.InChannels, "point_head.in_channels");
        Expect(problems, "point_head.onnx output", headOutputs, m.PointHead.Output, rank: 3, channels: k, "point_head.output (K = classes)");
        return problems;
    }

    private static void CheckManifest(ModelManifest m, List<string> problems)
    {
        var k = m.Classes.Count;
        if (k < 2 || k > 256)
        {
            problems.Add($"model.json has {k} classes; 2..256 are supported (labels are 8-bit)");
        }

        for (var i = 0; i < k; i++)
        {
            if (m.Classes[i].Id != i)
            {
                problems.Add($"model.json classes[{i}].id is {m.Classes[i].Id}; ids must be 0..K-1 in order");
                break;
            }
        }

        foreach (var f in m.Features.Where(f => f.Layout is not (FeatureOutput.Nchw or FeatureOutput.Nhwc)))
        {
            problems.Add($"model.json features[{f.Name}].layout is '{f.Layout}'; it must be '{FeatureOutput.Nchw}' or '{FeatureOutput.Nhwc}'");
        }

        var sum = m.Features.Sum(f => f.Channels) + k;
        if (m.PointHead.InChannels != sum)
        {
            problems.Add($"model.json point_head.in_channels is {m.PointHead.InChannels}; features ({string.Join(" + ", m.Features.Select(f => f.Channels))}) + K ({k}) = {sum}");
        }

        if (m.Input.SizeMultiple <= 0)
        {
            problems.Add($"model.json input.size_multiple is {m.Input.SizeMultiple}; it must be positive");
        }
        else
        {
            foreach (var (name, stride) in m.Features.Select(f => (f.Name, f.Stride)).Prepend((m.Coarse.Output, m.Coarse.Stride)))
            {
                if (stride <= 0 || m.Input.SizeMultiple % stride != 0)
                {
                    problems.Add($"model.json stride of {name} is {stride}; it must divide input.size_multiple ({m.Input.SizeMultiple})");
                }
            }
        }

        if (m.Limits.MaxSteps < 0 || m.Limits.MaxPoints < 1
            || m.Defaults.Steps < 0 || m.Defaults.Steps > m.Limits.MaxSteps
            || m.Defaults.Points < 1 || m.Defaults.Points > m.Limits.MaxPoints
            || m.Defaults.MaxGap is { } gap && !(gap > 0f))
        {
            problems.Add($"model.json defaults (steps {m.Defaults.Steps}, points {m.Defaults.Points}, max_gap {m.Defaults.MaxGap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}) must lie within limits (max_steps {m.Limits.MaxSteps}, max_points {m.Limits.MaxPoints}, max_gap > 0)");
        }
    }

    private static void Expect(
        List<string> problems, string where, IReadOnlyDictionary<string, TensorSpec> specs, string name, int rank, int channels, string manifestKey, int channelAxis = 1)
    {
        if (!specs.TryGetValue(name, out var spec))
        {
            problems.Add($"model.json names {where} '{name}' ({manifestKey}); the graph has [{string.Join(", ", specs.Keys)}]");
            return;
        }

        if (spec.Type != TensorElementType.Float)
        {
            problems.Add($"{where} '{name}' is {spec.Type}; the contract needs float32");
        }

        if (spec.Dims.Count != rank)
        {
            problems.Add($"{where} '{name}' has rank {spec.Dims.Count} ({spec}); the contract needs rank {rank}");
        }
        else if (spec.Dims[channelAxis] != -1 && spec.Dims[channelAxis] != channels)
        {
            problems.Add($"{where} '{name}' has {spec.Dims[channelAxis]} channels (axis {channelAxis}); model.json says {channels} ({manifestKey})");
        }
    }
}
