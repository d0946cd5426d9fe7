// Shape shorthand: K classes, C input channels (fine features, then the K coarse logits), P points.
using PointRend.Core;

namespace PointRend.Inference;

/// <summary>
/// Recognises point_head.onnx as the StandardPointHead that <see cref="MlpPointHead"/> runs (as training/export.py
/// writes it): input N x C x P; a Slice of its last K channels; then 1x1 Conv → ReLU → Concat(ReLU, slice) per hidden
/// layer and a final 1x1 Conv to the output. Any other graph is reported, not guessed at, and keeps ONNX Runtime.
/// </summary>
internal static class PointHeadGraph
{
    /// <summary>The head's layers, or null with the reason the graph is not that shape.</summary>
    public static (MlpPointHead? Head, string? Problem) TryRead(string path, int inChannels, int classes)
    {
        OnnxProto.Graph graph;
        try
        {
            graph = OnnxProto.ReadGraph(File.ReadAllBytes(path));
        }
        catch (Exception ex) when (ex is InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return (null, $"{Path.GetFileName(path)} could not be read: {ex.Message}");
        }

        var problem = Interpret(graph, inChannels, classes, out var layers);
        return problem is null ? (new MlpPointHead(inChannels, classes, layers), null) : (null, $"{Path.GetFileName(path)}: {problem}");
    }

    private static string? Interpret(OnnxProto.Graph graph, int inChannels, int classes, out List<MlpLayer> layers)
    {
        layers = [];
        var constants = new Dictionary<string, OnnxProto.Tensor>(graph.Initializers);
        var input = graph.Inputs.FirstOrDefault(n => !constants.ContainsKey(n));
        if (input is null || graph.Outputs.Length != 1)
        {
            return "expected one input and one output";
        }

        // What each value is: "input", "coarse" (the slice), "conv:i", "relu:i", "concat:i".
        var values = new Dictionary<string, string> { [input] = "input" };
        foreach (var node in graph.Nodes)
        {
            string? kind = node.OpType switch
            {
                "Constant" => Constant(node, constants),
                "Slice" => IsCoarseSlice(node, values, constants, inChannels, classes) ? "coarse" : null,
                "Conv" => Conv(node, values, constants, layers, inChannels, classes),
                "Relu" => values.GetValueOrDefault(node.Inputs[0]) is { } c && c.StartsWith("conv:", StringComparison.Ordinal) ? "relu:" + c[5..] : null,
                "Concat" => Concat(node, values),
                _ => null,
            };
            if (kind is null)
            {
                return $"node {node.OpType} ({string.Join(", ", node.Inputs)}) is not part of the supported point-head shape";
            }

            if (node.Outputs.Length > 0)
            {
                values[node.Outputs[0]] = kind;
            }
        }

        if (layers.Count == 0 || values.GetValueOrDefault(graph.Outputs[0]) != $"conv:{layers.Count - 1}")
        {
            return "the output is not the last Conv";
        }

        return layers[^1].Outputs == classes ? null : $"the last Conv predicts {layers[^1].Outputs} values, not {classes} classes";
    }

    private static string? Constant(OnnxProto.Node node, Dictionary<string, OnnxProto.Tensor> constants)
    {
        if (node.Attributes.TryGetValue("value", out var a) && a.Value is { } t && node.Outputs.Length == 1)
        {
            constants[node.Outputs[0]] = t;
            return "constant";
        }

        return null;
    }

    /// <summary>Slice(input, starts=[C-K or -K], ends=[&gt;= C], axes=[1], steps=[1]).</summary>
    private static bool IsCoarseSlice(OnnxProto.Node node, Dictionary<string, string> values, Dictionary<string, OnnxProto.Tensor> constants, int inChannels, int classes)
    {
        long? One(int i) => i < node.Inputs.Length && constants.TryGetValue(node.Inputs[i], out var t) && t.Longs.Length == 1 ? t.Longs[0] : null;
        return node.Inputs.Length == 5 && values.GetValueOrDefault(node.Inputs[0]) == "input"
            && One(1) is { } start && (start == -classes || start == inChannels - classes)
            && One(2) >= inChannels && One(3) == 1 && One(4) == 1;
    }

    private static string? Conv(OnnxProto.Node node, Dictionary<string, string> values, Dictionary<string, OnnxProto.Tensor> constants, List<MlpLayer> layers, int inChannels, int classes)
    {
        int index = layers.Count;
        var source = values.GetValueOrDefault(node.Inputs[0]);
        var expected = index == 0 ? "input" : $"concat:{index - 1}";
        if (source != expected || node.Inputs.Length != 3
            || !constants.TryGetValue(node.Inputs[1], out var w) || !constants.TryGetValue(node.Inputs[2], out var b)
            || w.Dims.Length != 3 || w.Dims[2] != 1 || b.Dims.Length != 1 || b.Dims[0] != w.Dims[0]
            || w.Floats.Length != w.Dims[0] * w.Dims[1] || b.Floats.Length != b.Dims[0]
            || !OnlyDefaults(node))
        {
            return null;
        }

        int inputs = index == 0 ? inChannels : layers[^1].Outputs + classes;
        if (w.Dims[1] != inputs)
        {
            return null;
        }

        layers.Add(new MlpLayer(w.Floats, b.Floats, (int)w.Dims[0], inputs));
        return $"conv:{index}";
    }

    /// <summary>A 1x1 convolution: kernel 1, stride 1, dilation 1, no padding, one group.</summary>
    private static bool OnlyDefaults(OnnxProto.Node node)
    {
        foreach (var (name, a) in node.Attributes)
        {
            bool ok = name switch
            {
                "kernel_shape" or "strides" or "dilations" => a.Ints.All(v => v == 1),
                "pads" => a.Ints.All(v => v == 0),
                "group" => a.Int == 1,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static string? Concat(OnnxProto.Node node, Dictionary<string, string> values)
    {
        if (!node.Attributes.TryGetValue("axis", out var axis) || axis.Int != 1 || node.Inputs.Length != 2
            || values.GetValueOrDefault(node.Inputs[0]) is not { } relu || !relu.StartsWith("relu:", StringComparison.Ordinal)
            || values.GetValueOrDefault(node.Inputs[1]) != "coarse")
        {
            return null;
        }

        return "concat:" + relu[5..];
    }
}
