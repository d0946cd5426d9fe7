// Shapes: detector outputs as ONNX Runtime reports them, -1 for a dynamic axis.
using Microsoft.ML.OnnxRuntime.Tensors;
using PointRend.Inference.Instances;

namespace PointRend.Inference.Tests;

/// <summary>model.json's feature layouts against the detector graph's output shapes, for instance models.</summary>
public sealed class InstanceContractTests
{
    private static readonly InstanceManifest Shipped = InstanceManifest.ReadFolder(Path.Combine(ModelCatalog.ResolveModelsPath(null), "pennfudan"));

    [Fact]
    public void Check_GraphShapesAsTheManifestSays_NoProblems()
    {
        Assert.Empty(Check(Shipped, Graph(Shipped)));
    }

    [Fact]
    public void Check_ChannelsLastFeatureWhereTheGraphIsChannelMajor_SaysWhichAxis()
    {
        var p2 = Shipped.Features[0] with { Layout = FeatureOutput.Nhwc };
        var graph = Graph(Shipped with { Features = [p2 with { Layout = FeatureOutput.Nchw }, .. Shipped.Features.Skip(1)] });

        var problems = Check(Shipped with { Features = [p2, .. Shipped.Features.Skip(1)] }, graph);

        var problem = Assert.Single(problems);
        Assert.Contains($"'{p2.Name}' has its {p2.Channels} channels at dimension 1; model.json features[{p2.Name}].layout says 'NHWC'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnknownLayout_IsAProblem()
    {
        var odd = Shipped with { Features = [Shipped.Features[0] with { Layout = "NCWH" }, .. Shipped.Features.Skip(1)] };

        var problems = Check(odd, Graph(Shipped));

        Assert.Contains(problems, p => p.Contains("layout is 'NCWH'; it must be 'NCHW' or 'NHWC'", StringComparison.Ordinal));
    }

    private static List<string> Check(InstanceManifest m, Dictionary<string, TensorSpec> detectorOutputs) =>
        InstanceContract.Check(
            m,
            Specs(new TensorSpec(m.Input.Name, TensorElementType.Float, [1, 3, -1, -1])),
            detectorOutputs,
            Specs(new TensorSpec(m.PointHead.Input, TensorElementType.Float, [-1, m.PointHead.InChannels, -1])),
            Specs(new TensorSpec(m.PointHead.Output, TensorElementType.Float, [-1, 1, -1])));

    /// <summary>The detector outputs a graph exported for <paramref name="m"/> has (channels where its layout puts them).</summary>
    private static Dictionary<string, TensorSpec> Graph(InstanceManifest m)
    {
        var o = m.Detector.Outputs;
        return Specs(
        [
            new TensorSpec(o.Boxes, TensorElementType.Float, [-1, 4]),
            new TensorSpec(o.Scores, TensorElementType.Float, [-1]),
            new TensorSpec(o.Classes, TensorElementType.Int64, [-1]),
            new TensorSpec(o.Coarse, TensorElementType.Float, [-1, 1, m.Detector.CoarseResolution, m.Detector.CoarseResolution]),
            .. m.Features.Select(f => new TensorSpec(f.Name, TensorElementType.Float, f.ChannelsLast ? [1, -1, -1, f.Channels] : [1, f.Channels, -1, -1])),
        ]);
    }

    private static Dictionary<string, TensorSpec> Specs(params TensorSpec[] specs) => specs.ToDictionary(s => s.Name);
}
