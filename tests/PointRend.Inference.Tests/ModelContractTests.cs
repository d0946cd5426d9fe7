using Microsoft.ML.OnnxRuntime.Tensors;
using PointRend.Contracts.V1;

namespace PointRend.Inference.Tests;

public sealed class ModelContractTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public void CamVid_ModelJson_MatchesSessionMetadata()
    {
        var model = fixture.CamVid;
        var m = model.Manifest;

        var problems = CheckAgainstShippedSessions(m);

        Assert.Empty(problems);
        Assert.Equal("camvid", m.Name);
        Assert.Equal(11, m.Classes.Count);
        var input = model.Coarse.InputMetadata[m.Input.Name];
        Assert.Equal(TensorElementType.Float, input.ElementDataType);
        Assert.Equal(4, input.Dimensions.Length);
        Assert.Equal(3, input.Dimensions[1]);
        Assert.Equal(m.Classes.Count, model.Coarse.OutputMetadata[m.Coarse.Output].Dimensions[1]);
        foreach (var f in m.Features)
        {
            Assert.Equal(f.Channels, model.Coarse.OutputMetadata[f.Name].Dimensions[f.ChannelsLast ? 3 : 1]);
        }

        Assert.Contains(model.PointHead.InputMetadata[m.PointHead.Input].Dimensions[1], new[] { -1, m.PointHead.InChannels });
        Assert.Equal(-1, model.PointHead.InputMetadata[m.PointHead.Input].Dimensions[2]); // P is dynamic
    }

    [Fact]
    public void Check_ChannelMismatch_SaysWhatDiffers()
    {
        var m = fixture.CamVid.Manifest;
        var wrong = m with { Features = [m.Features[0] with { Channels = 64 }, .. m.Features.Skip(1)] };

        var problems = CheckAgainstShippedSessions(wrong);

        Assert.Contains(problems, p => p.Contains($"point_head.in_channels is {m.PointHead.InChannels}", StringComparison.Ordinal));
        var axis = m.Features[0].ChannelsLast ? 3 : 1;
        Assert.Contains(problems, p => p.Contains($"'{m.Features[0].Name}' has {m.Features[0].Channels} channels (axis {axis}); model.json says 64", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void Check_MaxGapDefaultNotPositive_IsAProblem(float maxGap)
    {
        var m = fixture.CamVid.Manifest;

        var problems = CheckAgainstShippedSessions(m with { Defaults = m.Defaults with { MaxGap = maxGap } });

        var problem = Assert.Single(problems);
        Assert.Contains("max_gap > 0", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CamVid_DefaultBound_IsTheAdaptiveBudget_AndNoneMeansInfinity()
    {
        var m = fixture.CamVid.Manifest;

        Assert.True(m.Defaults.MaxGap is > 0f, "model.json defaults.max_gap (the adaptive budget of issue 12) is missing");
        Assert.Equal(float.PositiveInfinity, (m.Defaults with { MaxGap = null }).MaxGapOrInfinity);
    }

    [Fact]
    public void Check_MissingOutputName_ListsGraphOutputs()
    {
        var m = fixture.CamVid.Manifest;
        var wrong = m with { Coarse = m.Coarse with { Output = "logits" } };

        var problems = CheckAgainstShippedSessions(wrong);

        var problem = Assert.Single(problems);
        Assert.Contains("'logits'", problem, StringComparison.Ordinal);
        Assert.Contains("coarse_logits", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StrideThatDisagreesWithTheGraph_FailsWithBothShapes()
    {
        // Strides are invisible in metadata (spatial dims are variable), so this is caught by the probe run at load.
        var ex = LoadWithEdited(json => json["features"]![0]!["stride"] = 2);

        Assert.Contains($"'{fixture.CamVid.Manifest.Features[0].Name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("stride 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LayoutThatDisagreesWithTheGraph_FailsWithBothShapes()
    {
        // The shipped fine map is channels-last; read as NCHW its floats would be sampled as the wrong channels. The
        // metadata's channel axis of the other layout is a variable spatial dim, so again only the probe run sees it.
        var fine = fixture.CamVid.Manifest.Features[0];
        Assert.True(fine.ChannelsLast);

        var ex = LoadWithEdited(json => json["features"]![0]!["layout"] = "NCHW");

        Assert.Contains($"'{fine.Name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"[1, {fine.Channels}, 16, 16]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnknownLayout_IsAProblem()
    {
        var m = fixture.CamVid.Manifest;
        var wrong = m with { Features = [m.Features[0] with { Layout = "NWHC" }, .. m.Features.Skip(1)] };

        var problems = CheckAgainstShippedSessions(wrong);

        Assert.Contains(problems, p => p.Contains("layout is 'NWHC'; it must be 'NCHW' or 'NHWC'", StringComparison.Ordinal));
    }

    /// <summary>Loads a copy of the shipped CamVid model whose model.json <paramref name="edit"/> changed; the load must fail.</summary>
    private static InvalidDataException LoadWithEdited(Action<System.Text.Json.Nodes.JsonNode> edit)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"pointrend-{Guid.NewGuid():N}", "camvid");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid")))
            {
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            }

            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "model.json")))!;
            edit(json);
            File.WriteAllText(Path.Combine(dir, "model.json"), json.ToJsonString());

            return Assert.Throws<InvalidDataException>(() => LoadedModel.Load(dir, ExecutionProviderKind.Cpu, 1));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }

    [Fact]
    public void ListModels_CamVid_ReportsClassesDefaultsAndProvider()
    {
        var info = Assert.Single(fixture.Processor.ListModels().Models, m => m.Name == "camvid");

        Assert.True(info.IsDefault);
        Assert.Equal(ModelTask.Semantic, info.Task);
        Assert.Equal(fixture.CamVid.Manifest.Defaults.Steps, info.DefaultSteps);
        Assert.Equal("Sky", info.Classes[0].Name);
        Assert.Equal("cpu", info.ExecutionProvider);
    }

    /// <summary>A manifest (possibly altered) against the shipped model's real ONNX session metadata.</summary>
    private IReadOnlyList<string> CheckAgainstShippedSessions(ModelManifest manifest) => ModelContract.Check(
        manifest,
        TensorSpec.From(fixture.CamVid.Coarse.InputMetadata),
        TensorSpec.From(fixture.CamVid.Coarse.OutputMetadata),
        TensorSpec.From(fixture.CamVid.PointHead.InputMetadata),
        TensorSpec.From(fixture.CamVid.PointHead.OutputMetadata));
}
