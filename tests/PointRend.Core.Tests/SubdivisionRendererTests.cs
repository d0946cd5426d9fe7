// Shape shorthand: K classes, C channels, h x w coarse grid, S steps, N points per step, H x W output.
// Coordinates: cell centres ((j + 0.5) / W, (i + 0.5) / H), align_corners=false.
namespace PointRend.Core.Tests;

public class SubdivisionRendererTests
{
    private static readonly FeatureMap Coarse = Maps.Random(3, 3, 4, seed: 1);
    private static readonly FeatureMap[] Features = [Maps.Random(2, 6, 8, seed: 2), Maps.Random(1, 12, 16, seed: 3)];

    [Fact]
    public void PointRend_SelectingEveryCell_EqualsDenseAtTheFinalGrid()
    {
        // With N >= cells every step overwrites every cell, so only the last step survives, and it is the head at
        // every centre of the 12x16 grid: the dense render at that size, bit for bit.
        var head = new LinearHead(6, 3);
        using var pointRend = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.PointRend, 2, 1000, 12, 16));
        using var dense = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.Dense, 0, 0, 12, 16));
        Assert.Equal(dense.Logits.ToArray(), pointRend.Logits.ToArray());
        Assert.Equal(6 * 8 + 12 * 16, pointRend.PointsRefined);
        Assert.Equal(12 * 16, dense.PointsRefined);
    }

    [Fact]
    public void RecordingThePoints_DoesNotChangeTheResult()
    {
        // Unrecorded renders take the raster-order selection; it must pick the same cells as the recorded one.
        var head = new LinearHead(6, 3);
        var options = new RenderOptions(RenderMode.PointRend, 2, 17, 12, 16);
        using var fast = SubdivisionRenderer.Render(Coarse, Features, head, options);
        using var recorded = SubdivisionRenderer.Render(Coarse, Features, head, options with { RecordPoints = true });

        Assert.Equal(recorded.Logits.ToArray(), fast.Logits.ToArray());
        Assert.Equal(recorded.PointsRefined, fast.PointsRefined);
    }

    [Fact]
    public void PointRend_ZeroSteps_EqualsCoarse()
    {
        var head = new LinearHead(6, 3);
        using var coarse = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.Coarse, 0, 0, 7, 5));
        using var pointRend = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.PointRend, 0, 8, 7, 5));
        Assert.Equal(coarse.Logits.ToArray(), pointRend.Logits.ToArray());
        Assert.Equal(0, pointRend.PointsRefined);
        Assert.Equal(0, head.Calls);
        Assert.Equal((7, 5), (coarse.Height, coarse.Width));
    }

    [Fact]
    public void OneStep_OnePoint_RefinesTheLowestIndexOfTiedCells()
    {
        // Coarse 1x1 with logits (1, 0): the 2x2 upsample is (1, 0) everywhere, every cell has uncertainty -1,
        // so N = 1 picks cell 0. The head answers (0, 5) there; cells 1..3 keep (1, 0).
        var coarse = new FeatureMap(new float[] { 1, 0 }, 2, 1, 1);
        var head = new RecordingHead(2, [0f, 5f]);
        using var result = SubdivisionRenderer.Render(coarse, [], head, new RenderOptions(RenderMode.PointRend, 1, 1, 2, 2) { RecordPoints = true });
        Assert.Equal([0f, 1f, 1f, 1f, 5f, 0f, 0f, 0f], result.Logits.ToArray());
        Assert.Equal(1, result.PointsRefined);
        Assert.Equal([0], Assert.Single(result.SelectedCellsPerStep));
        Assert.Equal((2, 2), Assert.Single(result.StepGrids));
    }

    [Fact]
    public void PointFeatures_AreFeatureMapsInOrderThenTheCoarseLogits()
    {
        // Dense on a 2x2 output: the 2x2 maps are sampled at their own pixels (exact values); the 1x1 map at
        // x, y = +-0.25, where only one tap of weight 0.75 * 0.75 is inside, so 0.5625 * 8 = 4.5 at all four cells.
        var coarse = new FeatureMap(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 2, 2, 2);
        FeatureMap[] features = [new(new float[] { 10, 20, 30, 40 }, 1, 2, 2), new(new float[] { 8 }, 1, 1, 1)];
        var head = new RecordingHead(4, [0f, 0f]);
        using var result = SubdivisionRenderer.Render(coarse, features, head, new RenderOptions(RenderMode.Dense, 0, 0, 2, 2));
        Assert.Equal([10f, 20f, 30f, 40f, 4.5f, 4.5f, 4.5f, 4.5f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], head.LastFeatures);
    }

    [Fact]
    public void EveryStep_SamplesTheOriginalCoarseLogits_NotTheRefinedOnes()
    {
        // Coarse 1x1 (1, 0); the head always answers (0, 5). Step 2 runs on a 4x4 grid where all 16 cells tie
        // (gap -5), so they come in raster order. Its coarse channel 0 must be the 1x1 map sampled at
        // x, y in {-0.375, -0.125, 0.125, 0.375}: in-map weights 0.625, 0.875, 0.875, 0.625 per axis.
        // Sampling the refined logits instead would give channel 0 = 0 and channel 1 = 5.
        var coarse = new FeatureMap(new float[] { 1, 0 }, 2, 1, 1);
        var head = new RecordingHead(2, [0f, 5f]);
        using var result = SubdivisionRenderer.Render(coarse, [], head, new RenderOptions(RenderMode.PointRend, 2, 16, 4, 4));
        float[] axis = [0.625f, 0.875f, 0.875f, 0.625f];
        var expected = new float[32];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                expected[i * 4 + j] = axis[i] * axis[j];
            }
        }

        Assert.Equal(expected, head.LastFeatures);
        Assert.Equal(4 + 16, result.PointsRefined);
    }

    [Fact]
    public void RecordPoints_KeepsEachStepsSelection_InContractOrder()
    {
        var head = new LinearHead(6, 3);
        using var result = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.PointRend, 3, 20, 30, 40) { RecordPoints = true });
        Assert.Equal([(6, 8), (12, 16), (24, 32)], result.StepGrids);
        Assert.Equal([20, 20, 20], result.SelectedCellsPerStep.Select(s => s.Length));
        Assert.All(result.SelectedCellsPerStep, s => Assert.Equal(s.Length, s.Distinct().Count()));
        Assert.Equal(60, result.PointsRefined);
        Assert.Equal((30, 40), (result.Height, result.Width));
    }

    [Fact]
    public void Dense_LargeOutput_CallsTheHeadInBoundedChunks()
    {
        // 300 x 300 = 90,000 points: one chunk of 65,536 and one of 24,464.
        var head = new LinearHead(6, 3);
        using var result = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.Dense, 0, 0, 300, 300));
        Assert.Equal(SubdivisionRenderer.MaxPointsPerPredict, head.MaxBatch);
        Assert.Equal(2, head.Calls);
        Assert.Equal(90_000, head.TotalPoints);
        Assert.Equal(90_000, result.PointsRefined);
    }

    [Fact]
    public void PointRend_ManyPoints_CallsTheHeadInBoundedChunks()
    {
        // Coarse 3x4, 7 steps -> 384 x 512 = 196,608 cells in the last step, all selected: 3 chunks of 65,536.
        var head = new LinearHead(6, 3);
        using var result = SubdivisionRenderer.Render(Coarse, Features, head, new RenderOptions(RenderMode.PointRend, 7, 1_000_000, 384, 512));
        Assert.Equal(SubdivisionRenderer.MaxPointsPerPredict, head.MaxBatch);
        Assert.Equal(head.TotalPoints, result.PointsRefined);
        Assert.Equal(12L * (4 + 16 + 64 + 256 + 1024 + 4096 + 16384), head.TotalPoints);
    }

    [Fact]
    public void Dispose_ReturnsTheBuffer_AndLogitsThrowAfterwards()
    {
        var result = SubdivisionRenderer.Render(Coarse, Features, new LinearHead(6, 3), new RenderOptions(RenderMode.Coarse, 0, 0, 3, 4));
        Assert.Equal(Coarse.Data.ToArray(), result.Logits.ToArray());
        result.Dispose();
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => result.Logits.Length);
    }
}
