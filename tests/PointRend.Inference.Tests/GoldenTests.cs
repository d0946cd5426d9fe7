// Goldens from training/goldens.py: crops of CamVid val frames run through the PyTorch reference.
// Shapes: K classes, C channels, h x w coarse grid; files are little-endian float32, CHW.
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Inference.Tests;

/// <summary>
/// The C# engine against the PyTorch reference. Split in two so float noise in ONNX Runtime's convolutions
/// cannot flip a near-tie in the selection: (1) ORT's coarse outputs equal torch's; (2) fed torch's exact
/// coarse outputs, PointRend.Core with the ONNX point head reproduces torch's refined logits.
/// </summary>
public sealed class GoldenTests : IClassFixture<GoldenTests.ModelFixture>
{
    private const float Tolerance = 1e-4f;
    private readonly ModelFixture _fixture;

    public GoldenTests(ModelFixture fixture) => _fixture = fixture;

    public static TheoryData<int> Cases() => new() { 0, 1, 2 };

    public static TheoryData<int, bool> CasesAndHeads() => new() { { 0, false }, { 1, false }, { 2, false }, { 0, true }, { 1, true }, { 2, true } };

    [Fact]
    public void GoldensBelongToTheShippedModel()
    {
        Assert.Equal(_fixture.Model.Manifest.Version, Golden.Manifest.GetProperty("model_version").GetString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxCoarseOutputsMatchTorch(int index)
    {
        var c = Golden.Case(index);
        var image = ImageDecoder.DecodeRgb8(File.ReadAllBytes(Path.Combine(TestPaths.CamVid, c.Image)), new ImageLimits(1 << 24, 8192));
        var input = new float[3 * c.Height * c.Width];
        for (var y = 0; y < c.Height; y++)
        {
            for (var x = 0; x < c.Width; x++)
            {
                var src = (((c.Y + y) * image.Width) + c.X + x) * 3;
                for (var ch = 0; ch < 3; ch++)
                {
                    input[(ch * c.Height * c.Width) + (y * c.Width) + x] = image.Pixels[src + ch];
                }
            }
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1L, 3, c.Height, c.Width]);
        using var runOptions = new RunOptions();
        var manifest = _fixture.Model.Manifest;
        var names = manifest.Features.Select(f => f.Name).Prepend(manifest.Coarse.Output).ToArray();
        var channelsLast = manifest.Features.Select(f => f.ChannelsLast).Prepend(false).ToArray();
        using var outputs = _fixture.Model.Coarse.Run(runOptions, ["image"], [inputValue], names);
        for (var i = 0; i < names.Length; i++)
        {
            // The goldens are torch's NCHW tensors; a channels-last output must hold the same floats in HWC order.
            var expected = c.Tensor(names[i]);
            var shape = outputs[i].GetTensorTypeAndShape().Shape;
            var actual = channelsLast[i] ? ToChannelMajor(outputs[i].GetTensorDataAsSpan<float>(), (int)shape[3], (int)shape[1] * (int)shape[2]) : outputs[i].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(expected.Data.Length, actual.Length);
            AssertClose(expected.Data, actual, names[i]);
        }
    }

    private static float[] ToChannelMajor(ReadOnlySpan<float> hwc, int channels, int pixels)
    {
        var chw = new float[hwc.Length];
        for (var p = 0; p < pixels; p++)
        {
            for (var ch = 0; ch < channels; ch++)
            {
                chw[(ch * pixels) + p] = hwc[(p * channels) + ch];
            }
        }

        return chw;
    }

    /// <param name="mlp">The point head as PointRend.Core's SIMD MLP (the default) instead of the ONNX session.</param>
    [Theory]
    [MemberData(nameof(CasesAndHeads))]
    public void RefinementFromTorchCoarseOutputsMatchesTorch(int index, bool mlp)
    {
        var c = Golden.Case(index);
        var coarse = c.Tensor("coarse_logits");
        var refined = c.Tensor("refined_logits");
        using var runOptions = new RunOptions();
        IPointHead head = mlp ? _fixture.Model.MlpHead ?? throw new InvalidOperationException(_fixture.Model.MlpHeadProblem) : new OnnxPointHead(_fixture.Model, runOptions);
        var steps = Golden.Manifest.GetProperty("steps").GetInt32();
        var points = Golden.Manifest.GetProperty("points").GetInt32();
        var options = new RenderOptions(RenderMode.PointRend, steps, points, refined.Height, refined.Width);

        var features = _fixture.Model.Manifest.Features.Select(f => c.Tensor(f.Name).Map).ToArray();

        using var result = SubdivisionRenderer.Render(coarse.Map, features, head, options);

        AssertClose(refined.Data, result.Logits, "refined_logits");
        var pixels = refined.Height * refined.Width;
        var expectedLabels = new byte[pixels];
        var actualLabels = new byte[pixels];
        LabelMaps.Argmax(refined.Data, refined.Channels, pixels, expectedLabels);
        LabelMaps.Argmax(result.Logits, result.Classes, pixels, actualLabels);
        Assert.Equal(expectedLabels, actualLabels);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what) =>
        GoldenAsserts.Close(expected, actual, Tolerance, what);

    public sealed class ModelFixture : IDisposable
    {
        public ModelFixture()
        {
            var dir = Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid");
            Model = LoadedModel.Load(dir, ExecutionProviderKind.Cpu, 0);
        }

        public LoadedModel Model { get; }

        public void Dispose() => Model.Dispose();
    }

    private sealed record GoldenTensor(float[] Data, int Channels, int Height, int Width)
    {
        public FeatureMap Map => new(Data, Channels, Height, Width);
    }

    private sealed record GoldenCase(JsonElement Json)
    {
        public string Image => Json.GetProperty("image").GetString()!;
        public int X => Json.GetProperty("x").GetInt32();
        public int Y => Json.GetProperty("y").GetInt32();
        public int Width => Json.GetProperty("width").GetInt32();
        public int Height => Json.GetProperty("height").GetInt32();

        public GoldenTensor Tensor(string key)
        {
            var entry = Json.GetProperty("files").GetProperty(key);
            var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var bytes = File.ReadAllBytes(Path.Combine(Golden.Directory, entry.GetProperty("file").GetString()!));
            var data = new float[bytes.Length / sizeof(float)];
            Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            Assert.Equal(shape[0] * shape[1] * shape[2], data.Length);
            return new GoldenTensor(data, shape[0], shape[1], shape[2]);
        }
    }

    private static class Golden
    {
        public static readonly string Directory = FindDirectory();
        public static readonly JsonElement Manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "golden.json"))).RootElement;

        public static GoldenCase Case(int index) => new(Manifest.GetProperty("cases")[index]);

        private static string FindDirectory()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "testdata", "golden");
                if (File.Exists(Path.Combine(candidate, "golden.json")))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException($"tests/testdata/golden not found above {AppContext.BaseDirectory}");
        }
    }
}
