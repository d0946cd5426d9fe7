// Shape shorthand: C channels, h x w maps, H x W grids, K classes, P points; all buffers CHW / channel-major.
// Coordinates: align_corners=false; cell centres ((j + 0.5) / W, (i + 0.5) / H). Expected values were computed
// by PyTorch (testdata/torch_reference.py, same formulas as training/pointrend_ref.py).
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace PointRend.Core.Tests;

public class TorchReferenceTests
{
    private static readonly JsonElement Reference = Load();

    [Theory]
    [InlineData("up2x", 10, 14)]
    [InlineData("to_4x9", 4, 9)]
    [InlineData("to_11x3", 11, 3)]
    public void Resize_MatchesTorchInterpolate(string key, int height, int width)
    {
        var c = Reference.GetProperty("resize");
        var output = new float[3 * height * width];
        BilinearUpsample.Resize(Floats(c, "input"), 3, 5, 7, output, height, width);
        AssertClose(Floats(c, key), output);
    }

    [Fact]
    public void SamplingAtCellCentres_MatchesTorchGridSample()
    {
        var c = Reference.GetProperty("sample");
        var map = new FeatureMap(Floats(c, "map"), 4, 5, 7);
        var cells = Enumerable.Range(0, 9 * 13).ToArray();
        var output = new float[4 * cells.Length];
        PointSampling.SampleAtCellCenters(map, cells, 9, 13, output, 0);
        AssertClose(Floats(c, "points"), output);
    }

    [Fact]
    public void UncertaintyAndSelection_MatchTorchTopkAndStableSort()
    {
        var c = Reference.GetProperty("select");
        var uncertainty = new float[80];
        LabelMaps.Uncertainty(Floats(c, "logits"), 5, 80, uncertainty);
        Assert.Equal(Floats(c, "uncertainty"), uncertainty);
        var selected = new int[17];
        PointSelection.SelectMostUncertain(uncertainty, 17, selected);
        Assert.Equal(c.GetProperty("top17").EnumerateArray().Select(e => e.GetInt32()), selected);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static float[] Floats(JsonElement element, string name) =>
        element.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static JsonElement Load([CallerFilePath] string source = "")
    {
        // Read from the source tree (next to this file) so the project file needs no copy rule.
        string path = Path.Combine(Path.GetDirectoryName(source)!, "testdata", "torch_reference.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }
}
