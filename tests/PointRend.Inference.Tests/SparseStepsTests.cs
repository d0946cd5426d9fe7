using Microsoft.ML.OnnxRuntime;
using PointRend.Core;

namespace PointRend.Inference.Tests;

/// <summary>
/// The sparse PointRend steps (the default) against the full-grid steps on the shipped model and a real frame, at the
/// defaults users get (4 x 4096 at 1x) and at 4x (6 steps, a final 1472 -> 1440 row resize): the same cells every
/// step, the same labels, the same logits; with no bound on the top-two gap and with a bound (RenderOptions.MaxGap,
/// the adaptive budget: 2, which refines fewer points than the budget on this frame, and the model's default).
/// </summary>
public sealed class SparseStepsTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Theory]
    [InlineData(1, float.PositiveInfinity)]
    [InlineData(4, float.PositiveInfinity)]
    [InlineData(1, 2f)]
    [InlineData(4, 2f)]
    [InlineData(1, 0f)]
    [InlineData(4, 0f)]
    public void SparseSteps_EqualFullGridSteps_OnTheShippedModel(int scale, float maxGap)
    {
        var image = ModelFixture.SampleImage();
        var m = fixture.CamVid.Manifest;
        int outH = image.Height * scale, outW = image.Width * scale;
        int steps = m.Defaults.Steps + (scale == 4 ? 2 : 0);
        // 0 stands for the model's default bound here (as in SegmentOptions.max_gap).
        var options = new RenderOptions(RenderMode.PointRend, steps, m.Defaults.Points, outH, outW)
        {
            RecordPoints = true,
            MaxGap = maxGap == 0f ? m.Defaults.MaxGapOrInfinity : maxGap,
        };
        using var runOptions = new RunOptions();

        using var sparse = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height, options, runOptions);
        using var full = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height, options with { FullGridSteps = true }, runOptions);

        Assert.Equal(steps, sparse.Render.SelectedCellsPerStep.Count);
        Assert.Equal(full.Render.PointsRefined, sparse.Render.PointsRefined);
        if (maxGap == 2f)
        {
            Assert.True(sparse.Render.PointsRefined < (long)steps * m.Defaults.Points, $"{sparse.Render.PointsRefined} points: the bound cut nothing");
        }
        for (int s = 0; s < steps; s++)
        {
            Assert.Equal(full.Render.SelectedCellsPerStep[s], sparse.Render.SelectedCellsPerStep[s]);
        }

        // Labels straight from the sparse render (the K x H x W logits are not built for them) ...
        int pixels = outH * outW;
        var labels = new byte[pixels];
        sparse.Render.CopyLabels(labels);
        var expected = new byte[pixels];
        LabelMaps.Argmax(full.Render.Logits, full.Render.Classes, pixels, expected);
        Assert.Equal(expected, labels);

        // ... and the logits, built on request, bit for bit.
        Assert.True(full.Render.Logits.SequenceEqual(sparse.Render.Logits), "sparse logits differ from the full-grid logits");
    }
}
