// Shape shorthand: K classes, h x w coarse grid, S steps, N points per step; a step-s grid is (h * 2^s) x (w * 2^s).
// Coordinates: cells are raster indices of their step's grid; uncertainty is top2 - top1 (the gap negated).
namespace PointRend.Core.Tests;

/// <summary>RenderOptions.MaxGap, the adaptive budget: only cells with a top-two gap of at most the bound are refined.</summary>
public class MaxGapTests
{
    public static TheoryData<float> Bounds => new() { 0f, 0.05f, 0.5f, 1f, 1.5f };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void SparseSteps_WithABound_EqualFullGridSteps_OnEveryShape(float maxGap)
    {
        // The shapes of SparseSubdivisionTests, including 1-wide grids and the quantised head whose outputs sit on
        // multiples of 0.5, so bounds 0.5, 1 and 1.5 meet gaps exactly equal to them (those cells are eligible).
        foreach (object[] a in SparseSubdivisionTests.Cases)
        {
            SparseSubdivisionTests.AssertSameAsFullGrid(
                (int)a[0]! + 1000, (int)a[1]!, (int)a[2]!, (int)a[3]!, (int)a[4]!, (int)a[5]!, (int)a[6]!, (bool)a[7]!, maxGap);
        }
    }

    [Fact]
    public void SparseSteps_WithRandomBounds_EqualFullGridSteps()
    {
        var random = new Random(7);
        for (int i = 0; i < 60; i++)
        {
            int steps = random.Next(1, 5);
            int h = random.Next(1, 7), w = random.Next(1, 7);
            int less = random.Next(-3, 4);
            if ((h << steps) - less < 1) less = 0;
            SparseSubdivisionTests.AssertSameAsFullGrid(
                i, random.Next(2, 12), h, w, steps, random.Next(1, 200), less, random.Next(2) == 0, (float)(random.NextDouble() * 2));
        }
    }

    [Theory]
    [InlineData(false, 0.3f, 40)]
    [InlineData(true, 0.3f, 40)]
    [InlineData(false, 0.6f, 200)]
    [InlineData(true, 0.6f, 200)]
    [InlineData(false, 0f, 500)]
    [InlineData(true, 0f, 500)]
    public void EachStep_RefinesTheMostUncertainCellsWithinTheBound_AndNoOther(bool fullGrid, float maxGap, int points)
    {
        // Checked against the step's own grid, rebuilt independently: render one step fewer at that grid's size
        // (full-grid logits), upsample 2x, score every cell, keep those with gap <= bound, take the N most uncertain.
        // 200 and 500 points are more than the first grid's 80 cells (the "take every cell" case of the sparse steps).
        var coarse = Maps.Random(4, 4, 5, seed: 3);
        var head = new LinearHead(4, 4);
        const int Steps = 3;
        var options = new RenderOptions(RenderMode.PointRend, Steps, points, 4 << Steps, 5 << Steps)
        {
            RecordPoints = true,
            MaxGap = maxGap,
            FullGridSteps = fullGrid,
        };
        using var result = SubdivisionRenderer.Render(coarse, [], head, options);

        int total = 0;
        for (int step = 1; step <= Steps; step++)
        {
            int h = 4 << (step - 1), w = 5 << (step - 1);
            using var before = SubdivisionRenderer.Render(coarse, [], head, options with { Steps = step - 1, OutputHeight = h, OutputWidth = w, FullGridSteps = true });
            int cells = 4 * h * w;
            var grid = new float[4 * cells];
            BilinearUpsample.Upsample2x(before.Logits, 4, h, w, grid);
            var uncertainty = new float[cells];
            UncertaintyMap.TopTwoGap(grid, 4, cells, uncertainty);
            int eligible = 0;
            var masked = new float[cells];
            for (int c = 0; c < cells; c++)
            {
                bool within = -uncertainty[c] <= maxGap;
                eligible += within ? 1 : 0;
                masked[c] = within ? uncertainty[c] : float.NegativeInfinity;
            }

            var expected = new int[Math.Min(points, cells)];
            PointSelection.SelectMostUncertain(masked, expected.Length, expected);
            var selected = result.SelectedCellsPerStep[step - 1];
            Assert.Equal(expected.Take(Math.Min(points, eligible)), selected);
            Assert.All(selected, c => Assert.True(-uncertainty[c] <= maxGap, $"step {step}: cell {c} has gap {-uncertainty[c]} > {maxGap}"));
            total += selected.Length;
        }

        Assert.Equal(total, result.PointsRefined);
        Assert.True(total < Steps * points, "the bound should have cut at least one step short in this case");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ABoundAboveEveryGap_GivesTheUnboundedResult_BitForBit(bool fullGrid)
    {
        // float.MaxValue takes the bounded code path (a finite floor) yet excludes nothing, so the cells, the
        // counts and the floats must be exactly those of no bound.
        var coarse = Maps.Random(5, 5, 6, seed: 21);
        FeatureMap[] features = [Maps.Random(2, 10, 12, seed: 22)];
        var head = new LinearHead(7, 5);
        var options = new RenderOptions(RenderMode.PointRend, 3, 90, 37, 48) { RecordPoints = true, FullGridSteps = fullGrid };

        using var unbounded = SubdivisionRenderer.Render(coarse, features, head, options);
        using var bounded = SubdivisionRenderer.Render(coarse, features, head, options with { MaxGap = float.MaxValue });

        Assert.Equal(3 * 90, unbounded.PointsRefined);
        Assert.Equal(unbounded.PointsRefined, bounded.PointsRefined);
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(unbounded.SelectedCellsPerStep[s], bounded.SelectedCellsPerStep[s]);
        }

        Assert.Equal(unbounded.Logits.ToArray(), bounded.Logits.ToArray());
    }

    [Fact]
    public void BoundZero_OnAGridWithoutTies_RefinesNothing()
    {
        // Random logits never tie, so no cell has a gap of 0: every step is skipped, the head never runs, and the
        // output is the upsampled coarse logits (the full-grid steps with nothing selected).
        var coarse = Maps.Random(3, 3, 4, seed: 5);
        var head = new LinearHead(3, 3);
        var options = new RenderOptions(RenderMode.PointRend, 2, 20, 12, 16) { MaxGap = 0f };

        using var sparse = SubdivisionRenderer.Render(coarse, [], head, options);
        Assert.Equal(0, sparse.PointsRefined);
        Assert.Equal(0, head.TotalPoints);
        using var full = SubdivisionRenderer.Render(coarse, [], head, options with { FullGridSteps = true });
        Assert.Equal(0, full.PointsRefined);
        Assert.Equal(full.Logits.ToArray(), sparse.Logits.ToArray());
    }
}
