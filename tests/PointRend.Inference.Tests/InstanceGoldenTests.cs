// Goldens from training/goldens_instance.py (tests/testdata/golden-pennfudan/README.md): Penn-Fudan val photos through
// the PyTorch reference. Shapes: R detections, 7x7 coarse logits, 28x28 grid, 224x224 refined logits (float16 on disk).
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference.Instances;
using PointRend.Testing;

namespace PointRend.Inference.Tests;

/// <summary>
/// The C# instance engine against the PyTorch reference: detector outputs, then, on C#'s own detector outputs (the
/// fine maps are not stored), the 28x28 grid logits, the cells chosen at each step, the 224x224 logits and the masks
/// pasted into the photo (COCO RLE) for the coarse, 28x28 and PointRend variants.
/// </summary>
public sealed class InstanceGoldenTests : IClassFixture<InstanceGoldenTests.Fixture>
{
    private readonly Fixture _fixture;

    public InstanceGoldenTests(Fixture fixture) => _fixture = fixture;

    public static TheoryData<int> Cases() => new() { 0, 1, 2 };

    /// <summary>Every golden case with each point head: ONNX Runtime and the SIMD MLP.</summary>
    public static TheoryData<int, bool> CasesAndHeads() => new() { { 0, false }, { 1, false }, { 2, false }, { 0, true }, { 1, true }, { 2, true } };

    [Fact]
    public void GoldensBelongToTheShippedModel()
    {
        Assert.Equal(_fixture.Model.Manifest.Version, Golden.Manifest.GetProperty("model_version").GetString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DetectorOutputsMatchTorch(int index)
    {
        var c = Golden.Case(index);
        using var detected = _fixture.Detect(c);

        Assert.Equal(c.Input, (detected.InputHeight, detected.InputWidth));
        Assert.Equal(c.Longs("classes"), detected.Classes);
        AssertClose(c.Floats("scores"), detected.Scores, 1e-3f, "scores");
        AssertClose(c.Floats("boxes"), detected.Boxes.SelectMany(b => new[] { b.X0, b.Y0, b.X1, b.Y1 }).ToArray(), 1e-2f, "boxes (pixels)");
        AssertClose(c.Floats("coarse_logits"), detected.Coarse, 1e-3f, "coarse_logits");
    }

    [Theory]
    [MemberData(nameof(CasesAndHeads))]
    public void GridSelectionAndRefinedLogitsMatchTorch(int index, bool mlp)
    {
        var c = Golden.Case(index);
        var k = c.Json.GetProperty("refined").GetInt32();
        var points = Golden.Manifest.GetProperty("points").GetInt32();
        var steps = Golden.Manifest.GetProperty("steps").GetInt32();
        using var detected = _fixture.Detect(c);
        using var runOptions = new RunOptions();
        var head = _fixture.Head(runOptions, mlp);

        using var grid = Refine(detected, k, head, new MaskRefineOptions(MaskMode.Grid, points, 0));
        using var refined = Refine(detected, k, head, new MaskRefineOptions(MaskMode.PointRend, points, steps) { RecordPoints = true });

        Assert.Equal(28, grid.Resolution);
        Assert.Equal(224, refined.Resolution);
        AssertClose(c.Floats("grid_logits"), grid.Logits, 1e-3f, "grid_logits");
        var expected = c.Ints("selected");
        Assert.Equal(steps, refined.SelectedCellsPerStep.Count);
        for (var s = 0; s < steps; s++)
        {
            // Per detection the golden holds steps x points cells; a cell may differ only where two uncertainties are
            // within float noise of each other, which on these photos leaves at most a few cells of 784 per step.
            var want = expected.AsSpan(s * points, points).ToArray().ToHashSet();
            var got = refined.SelectedCellsPerStep[s].AsSpan(0, points).ToArray();
            var missing = got.Count(cell => !want.Contains(cell));
            Assert.True(missing <= points / 100, $"step {s + 1}: {missing} of {points} selected cells differ from torch's");
        }

        // float16 on disk: a step of about 1e-3 relative, plus the ~1e-3 noise of ORT against torch.
        var refinedExpected = c.Halves("refined_logits");
        var worst = 0f;
        for (var i = 0; i < refinedExpected.Length; i++)
        {
            var e = refinedExpected[i];
            worst = MathF.Max(worst, MathF.Abs(e - refined.Logits[i]) / (1f + MathF.Abs(e)));
        }

        Assert.True(worst <= 2e-2f, $"refined_logits: max |torch - C#| / (1 + |torch|) = {worst} (tolerance 2e-2)");
    }

    [Theory]
    [MemberData(nameof(CasesAndHeads))]
    public void PastedMasksMatchTorchWithinAFewPixels(int index, bool mlp)
    {
        var c = Golden.Case(index);
        var pasted = c.Json.GetProperty("pasted").EnumerateArray().ToArray();
        using var detected = _fixture.Detect(c);
        using var runOptions = new RunOptions();
        var head = _fixture.Head(runOptions, mlp);
        var kept = detected.Scores.Count(s => s >= 0.5f);
        Assert.Equal(pasted.Length, kept);

        foreach (var (variant, options) in new[]
        {
            ("coarse", new MaskRefineOptions(MaskMode.Coarse, 784, 0)),
            ("grid28", new MaskRefineOptions(MaskMode.Grid, 784, 0)),
            ("pointrend", MaskRefineOptions.Default),
        })
        {
            using var logits = Refine(detected, kept, head, options);
            for (var r = 0; r < kept; r++)
            {
                var golden = pasted[r];
                var box = detected.Boxes[r].Rescale(detected.InputWidth, detected.InputHeight, c.Width, c.Height);
                var bbox = golden.GetProperty("bbox").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                AssertClose(bbox, [box.X0, box.Y0, box.X1 - box.X0, box.Y1 - box.Y0], 2e-2f, $"{variant} detection {r} bbox");

                using var mask = MaskPaste.Paste(logits.Of(r), logits.Resolution, box, c.Width, c.Height);
                var segmentation = golden.GetProperty("segmentation").GetProperty(variant);
                var want = new byte[c.Width * c.Height];
                CocoRle.Decode(CocoRle.FromCompressedString(segmentation.GetProperty("counts").GetString()!), c.Height, c.Width, want);
                var differing = 0;
                for (var y = 0; y < c.Height; y++)
                {
                    for (var x = 0; x < c.Width; x++)
                    {
                        differing += (want[(y * c.Width) + x] != 0) != mask.Contains(x, y) ? 1 : 0;
                    }
                }

                Assert.True(differing <= 10, $"{variant} detection {r}: {differing} pixels differ from torch's mask of {segmentation.GetProperty("area").GetInt32()}");
            }
        }
    }

    [Fact]
    public void ShippedModel_GetsTheMlpHead_AndItAgreesWithOnnxRuntimeOnARealBatch()
    {
        if (!MlpPointHead.IsAccelerated)
        {
            Assert.Null(_fixture.Model.MlpHead);
            Assert.Contains("AVX", _fixture.Model.MlpHeadProblem);
            return;
        }

        Assert.Null(_fixture.Model.MlpHeadProblem);
        var mlp = Assert.IsType<MlpBoxPointHead>(_fixture.Model.MlpHead);
        Assert.Equal(_fixture.Model.Manifest.PointHead.InChannels, mlp.InChannels);

        // Three detections of 77 points (not a multiple of any SIMD block): rows must not bleed into each other.
        const int detections = 3, points = 77;
        var random = new Random(5);
        var features = new float[detections * mlp.InChannels * points];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)((random.NextDouble() * 8) - 4);
        }

        using var runOptions = new RunOptions();
        var expected = new float[detections * points];
        var actual = new float[detections * points];
        new OnnxBoxPointHead(_fixture.Model, runOptions).Predict(features, detections, points, expected);
        mlp.Predict(features, detections, points, actual);
        AssertClose(expected, actual, 1e-3f, "point_logits (ONNX Runtime vs MLP)");
    }

    private static MaskLogits Refine(DetectorOutput d, int count, IBoxPointHead head, MaskRefineOptions options) =>
        MaskRefiner.Refine(d.Fine, d.Boxes.AsMemory(0, count), d.Coarse.AsMemory(0, count * 49), d.CoarseResolution, head, options);

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        GoldenAsserts.Close(expected, actual, tolerance, what);
    }

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            var dir = Path.Combine(ModelCatalog.ResolveModelsPath(null), "pennfudan");
            Model = InstanceModel.Load(dir, ExecutionProviderKind.Cpu, 0);
        }

        public InstanceModel Model { get; }

        /// <summary>The MLP head the model loaded (the CPU must have AVX2+FMA, as CI's does), or ONNX Runtime.</summary>
        public IBoxPointHead Head(RunOptions runOptions, bool mlp) =>
            mlp ? Model.MlpHead ?? throw new InvalidOperationException($"no MLP head: {Model.MlpHeadProblem}") : new OnnxBoxPointHead(Model, runOptions);

        public DetectorOutput Detect(GoldenCase c)
        {
            var image = ImageDecoder.DecodeRgb8(File.ReadAllBytes(Path.Combine(TestPaths.PennFudan, c.Image)), new ImageLimits(1 << 24, 8192));
            Assert.Equal((c.Width, c.Height), (image.Width, image.Height));
            using var runOptions = new RunOptions();
            return InstanceDetector.Run(Model, image.Pixels, image.Width, image.Height, runOptions);
        }

        public void Dispose() => Model.Dispose();
    }

    public sealed record GoldenCase(JsonElement Json)
    {
        public string Image => Json.GetProperty("image").GetString()!;

        public int Width => Json.GetProperty("width").GetInt32();

        public int Height => Json.GetProperty("height").GetInt32();

        public (int, int) Input => (Json.GetProperty("input")[0].GetInt32(), Json.GetProperty("input")[1].GetInt32());

        public float[] Floats(string key) => Read(key, b => MemoryMarshalCast<float>(b));

        public long[] Longs(string key) => Read(key, b => MemoryMarshalCast<long>(b));

        public int[] Ints(string key) => Read(key, b => MemoryMarshalCast<int>(b));

        public float[] Halves(string key) => Read(key, b => MemoryMarshalCast<Half>(b).Select(h => (float)h).ToArray());

        private T[] Read<T>(string key, Func<byte[], T[]> convert)
        {
            var entry = Json.GetProperty("files").GetProperty(key);
            return convert(File.ReadAllBytes(Path.Combine(Golden.Directory, entry.GetProperty("file").GetString()!)));
        }

        private static T[] MemoryMarshalCast<T>(byte[] bytes)
            where T : struct => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    private static class Golden
    {
        public static readonly string Directory = Path.Combine(TestPaths.RepositoryRoot, "tests", "testdata", "golden-pennfudan");
        public static readonly JsonElement Manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "golden.json"))).RootElement;

        public static GoldenCase Case(int index) => new(Manifest.GetProperty("cases")[index]);
    }
}
