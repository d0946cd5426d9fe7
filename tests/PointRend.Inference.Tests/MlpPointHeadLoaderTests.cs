// Shape shorthand: K classes, C = point_head.in_channels, P points; buffers channel-major ([c * P + p]).
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;
using PointRend.Testing;

namespace PointRend.Inference.Tests;

/// <summary>point_head.onnx read into <see cref="MlpPointHead"/> computes what ONNX Runtime computes for it.</summary>
public sealed class MlpPointHeadLoaderTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public void ShippedModel_GetsTheMlpHead_WithTheGraphsShapes()
    {
        var model = fixture.CamVid;
        if (!MlpPointHead.IsAccelerated)
        {
            Assert.Null(model.MlpHead);
            Assert.Contains("AVX", model.MlpHeadProblem);
            return;
        }

        Assert.Null(model.MlpHeadProblem);
        var head = Assert.IsType<ParallelMlpPointHead>(model.MlpHead).Head;
        // The fixture loads with IntraOpThreads 0, ONNX Runtime's one thread per core.
        Assert.Equal(Environment.ProcessorCount, model.MlpHead.Threads);
        Assert.Equal(model.Manifest.PointHead.InChannels, head.InChannels);
        Assert.Equal(model.Classes, head.Classes);
        // model.json states the head's cost; the layers read from the graph must add up to it.
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", ModelManifest.FileName)));
        Assert.Equal(json.RootElement.GetProperty("cost").GetProperty("point_head_macs_per_point").GetInt64(), head.MacsPerPoint);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(4099)]
    [InlineData(65536)]
    public void MlpHead_EqualsTheOnnxSession_OnFeaturesOfRealRange(int points)
    {
        var model = fixture.CamVid;
        var (head, problem) = PointHeadGraph.TryRead(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", LoadedModel.PointHeadFile), model.Manifest.PointHead.InChannels, model.Classes);
        Assert.True(head is not null, problem);
        var random = new Random(points);
        var features = new float[head.InChannels * points];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)((random.NextDouble() * 8) - 4);
        }

        var expected = new float[head.Classes * points];
        using var runOptions = new RunOptions();
        new OnnxPointHead(model, runOptions).Predict(features, points, expected);
        var actual = new float[expected.Length];
        head.Predict(features, points, actual);

        var worst = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4f, $"max |ONNX - MLP| = {worst} over {points} points");
    }

    [Fact]
    public void ARetrainedInstanceHeadOfAnotherWidth_IsReadAsTheMlp_AndEqualsOnnxRuntime()
    {
        // training/train_instance_point_head.py retrains pennfudan's point head at other widths on the frozen detector;
        // this one is the session-6 3 x 32 (84 inputs, the coarse logit re-read per layer), a fixture apart from the shipped head.
        var path = Path.Combine(TestPaths.RepositoryRoot, "tests", "testdata", "instance-point-head-3x32.onnx");
        using var session = new InferenceSession(path);
        var (head, problem) = MlpPointHeadLoader.Load(path, 84, 1, session, "point_features", "point_logits");
        if (!MlpPointHead.IsAccelerated)
        {
            Assert.Null(head);
            return;
        }

        Assert.True(head is not null, problem);
        Assert.Equal((84L * 32) + (33 * 32 * 2) + 33, head.MacsPerPoint);
        var box = new PointRend.Core.Instances.MlpBoxPointHead(head);
        Assert.Equal(84, box.InChannels);
        Assert.True(MlpPointHeadLoader.MaxDifference(head, session, "point_features", "point_logits") <= 1e-4f);
    }

    [Fact]
    public void AGraphOfAnotherShape_IsReportedAndNotRun()
    {
        // coarse.onnx is a convolutional network, not a point head: the reader must say so rather than guess.
        var model = fixture.CamVid;
        var (head, problem) = PointHeadGraph.TryRead(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", LoadedModel.CoarseFile), model.Manifest.PointHead.InChannels, model.Classes);
        Assert.Null(head);
        Assert.StartsWith("coarse.onnx: ", problem);
    }
}
