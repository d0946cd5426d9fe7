// Shape shorthand: K classes, C channels, h x w coarse grid, S steps, N points per step, H x W output.
// Coordinates: cell centres ((j + 0.5) / W, (i + 0.5) / H), align_corners=false.
namespace PointRend.Core.Tests;

/// <summary>The sparse steps (the default) against the full-grid steps: same cells, same labels, same floats.</summary>
public class SparseSubdivisionTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool> Cases => new()
    {
        // seed, classes, coarse h, coarse w, steps, points, output rows less than the last grid, quantised (ties)
        { 1, 3, 3, 4, 2, 17, 0, false },
        { 2, 5, 4, 5, 3, 40, 3, false },
        { 3, 11, 5, 7, 3, 64, 5, true },
        { 4, 4, 1, 6, 3, 9, 0, true },
        { 5, 6, 7, 1, 3, 11, 1, true },
        { 6, 2, 6, 6, 4, 100, 7, true },
        { 7, 11, 6, 8, 4, 300, 9, false },
        { 8, 3, 2, 2, 5, 1, 0, true },
        { 9, 7, 5, 5, 4, 50, -13, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SparseSteps_SelectTheSameCells_AndGiveTheSameLabelsAndLogits_AsFullGridSteps(
        int seed, int classes, int height, int width, int steps, int points, int rowsLess, bool quantised) =>
        AssertSameAsFullGrid(seed, classes, height, width, steps, points, rowsLess, quantised, float.PositiveInfinity);

    /// <summary>Sparse and full-grid steps with RenderOptions.MaxGap = maxGap: same cells per step, labels, logits, points.</summary>
    internal static void AssertSameAsFullGrid(
        int seed, int classes, int height, int width, int steps, int points, int rowsLess, bool quantised, float maxGap)
    {
        var coarse = quantised ? Blocky(classes, height, width, seed) : Maps.Random(classes, height, width, seed);
        FeatureMap[] features = [Maps.Random(2, height * 2, width * 2, seed + 100), Maps.Random(1, height * 4, width * 4, seed + 200)];
        var head = new QuantisingHead(3 + classes, classes, quantised ? 0.5f : 0f);
        int outHeight = (height << steps) - rowsLess;
        int outWidth = (width << steps) + (rowsLess < 0 ? 5 : 0);
        var options = new RenderOptions(RenderMode.PointRend, steps, points, outHeight, outWidth) { RecordPoints = true, MaxGap = maxGap };

        using var full = SubdivisionRenderer.Render(coarse, features, head, options with { FullGridSteps = true });
        using var sparse = SubdivisionRenderer.Render(coarse, features, head, options);
        using var fullUnrecorded = SubdivisionRenderer.Render(coarse, features, head, options with { FullGridSteps = true, RecordPoints = false });
        using var sparseUnrecorded = SubdivisionRenderer.Render(coarse, features, head, options with { RecordPoints = false });

        Assert.Equal(full.StepGrids, sparse.StepGrids);
        Assert.Equal(full.SelectedCellsPerStep.Count, sparse.SelectedCellsPerStep.Count);
        for (int s = 0; s < full.SelectedCellsPerStep.Count; s++)
        {
            Assert.Equal(full.SelectedCellsPerStep[s], sparse.SelectedCellsPerStep[s]);
        }

        int pixels = outHeight * outWidth;
        var expectedLabels = new byte[pixels];
        LabelMaps.Argmax(full.Logits, classes, pixels, expectedLabels);
        var labels = new byte[pixels];
        var unrecordedLabels = new byte[pixels];
        sparse.CopyLabels(labels);
        sparseUnrecorded.CopyLabels(unrecordedLabels);
        Assert.Equal(expectedLabels, labels);
        Assert.Equal(expectedLabels, unrecordedLabels);

        // Labels come without the logits; reading them builds the same floats as the full-grid render.
        Assert.Equal(full.Logits.ToArray(), sparse.Logits.ToArray());
        Assert.Equal(full.Logits.ToArray(), sparseUnrecorded.Logits.ToArray());
        Assert.Equal(full.Logits.ToArray(), fullUnrecorded.Logits.ToArray());
        Assert.Equal(full.PointsRefined, sparseUnrecorded.PointsRefined);
        Assert.Equal(full.PointsRefined, fullUnrecorded.PointsRefined);
        Assert.Equal(full.SelectedCellsPerStep.Sum(c => c.Length), full.PointsRefined);
    }

    [Fact]
    public void Stress_ManyRandomShapes()
    {
        var random = new Random(42);
        for (int i = 0; i < 80; i++)
        {
            int steps = random.Next(1, 5);
            int h = random.Next(1, 7), w = random.Next(1, 7);
            int less = random.Next(-3, 4);
            if ((h << steps) - less < 1) less = 0;
            SparseSteps_SelectTheSameCells_AndGiveTheSameLabelsAndLogits_AsFullGridSteps(
                i, random.Next(2, 12), h, w, steps, random.Next(1, 200), less, random.Next(2) == 0);
        }
    }

    [Fact]
    public void UniformCoarse_EveryCellTied_PicksTheLowestRasterIndices()
    {
        // Every cell has the same logits, so every uncertainty ties: each step must take the first N cells in
        // raster order even though no cell's bound says anything about its rank.
        var data = new float[3 * 12];
        data.AsSpan(0, 12).Fill(2f);
        data.AsSpan(12, 12).Fill(1f);
        var coarse = new FeatureMap(data, 3, 3, 4);
        var head = new RecordingHead(3, [2f, 1f, 0f]);
        var options = new RenderOptions(RenderMode.PointRend, 3, 7, 24, 32) { RecordPoints = true };

        using var full = SubdivisionRenderer.Render(coarse, [], head, options with { FullGridSteps = true });
        using var sparse = SubdivisionRenderer.Render(coarse, [], head, options);

        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(full.SelectedCellsPerStep[s], sparse.SelectedCellsPerStep[s]);
        }

        Assert.Equal([0, 1, 2, 3, 4, 5, 6], sparse.SelectedCellsPerStep[0]);
        Assert.Equal(full.Logits.ToArray(), sparse.Logits.ToArray());
    }

    [Fact]
    public void NonFiniteHeadOutput_FallsBackToTheFullGrid_WithTheSameResult()
    {
        var coarse = Maps.Random(3, 3, 4, seed: 11);
        var head = new RecordingHead(3, [float.PositiveInfinity, 0f, 1f]);
        var options = new RenderOptions(RenderMode.PointRend, 2, 5, 12, 16) { RecordPoints = true };

        using var full = SubdivisionRenderer.Render(coarse, [], head, options with { FullGridSteps = true });
        using var sparse = SubdivisionRenderer.Render(coarse, [], head, options);

        Assert.Equal(full.Logits.ToArray(), sparse.Logits.ToArray());
        Assert.Equal(full.SelectedCellsPerStep[1], sparse.SelectedCellsPerStep[1]);
    }

    [Fact]
    public void CopyLabels_AfterDispose_Throws()
    {
        var result = SubdivisionRenderer.Render(Maps.Random(3, 3, 4, seed: 1), [], new LinearHead(3, 3), new RenderOptions(RenderMode.PointRend, 2, 5, 12, 16));
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => result.CopyLabels(new byte[12 * 16]));
    }

    /// <summary>Logits constant over 2x2 blocks with values from a few levels, so many cells tie exactly.</summary>
    private static FeatureMap Blocky(int classes, int height, int width, int seed)
    {
        var random = new Random(seed);
        var data = new float[classes * height * width];
        for (int k = 0; k < classes; k++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    data[(k * height * width) + (y * width) + x] = ((y / 2 * 7) + (x / 2 * 3) + (k * 5) + random.Next(2)) % 4 * 0.5f;
                }
            }
        }

        return new FeatureMap(data, classes, height, width);
    }

    /// <summary>A linear head whose outputs are rounded to multiples of step (0 = not rounded), to force exact ties.</summary>
    private sealed class QuantisingHead(int inChannels, int classes, float step) : IPointHead
    {
        private readonly LinearHead _linear = new(inChannels, classes);

        public int InChannels => inChannels;

        public int Classes => classes;

        public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
        {
            _linear.Predict(pointFeatures, points, pointLogits);
            if (step > 0)
            {
                for (int i = 0; i < classes * points; i++)
                {
                    pointLogits[i] = MathF.Round(pointLogits[i] / step) * step;
                }
            }
        }
    }
}
