using Microsoft.ML.OnnxRuntime;
using PointRend.Core;

namespace PointRend.Inference.Tests;

public sealed class EngineTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public void PointRend_WithPointsCoveringEveryCell_EqualsDenseAtThatResolution()
    {
        // A 480x360 frame runs at the next size multiple (e.g. 368x480 for stride 16 → 23x30 coarse); enough steps
        // reach that grid exactly. With N >= h*w every cell of the last grid goes through the head at its centre,
        // which is exactly what dense does at that size.
        var image = ModelFixture.SampleImage();
        var m = fixture.CamVid.Manifest;
        var h = (image.Height + m.Input.SizeMultiple - 1) / m.Input.SizeMultiple * m.Input.SizeMultiple;
        var w = (image.Width + m.Input.SizeMultiple - 1) / m.Input.SizeMultiple * m.Input.SizeMultiple;
        var steps = (int)Math.Log2(m.Coarse.Stride); // (h / stride) << log2(stride) == h
        using var runOptions = new RunOptions();

        using var pointRend = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height,
            new RenderOptions(RenderMode.PointRend, steps, h * w, h, w), runOptions);
        using var dense = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height,
            new RenderOptions(RenderMode.Dense, 0, 1, h, w), runOptions);

        Assert.Equal(dense.Render.Logits.Length, pointRend.Render.Logits.Length);
        var a = pointRend.Render.Logits;
        var b = dense.Render.Logits;
        var worst = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }

        // Only summation order inside ORT differs (different point batch sizes).
        Assert.True(worst < 1e-3f, $"max |pointrend - dense| = {worst}");
    }

    [Fact]
    public void FillInput_NonMultipleSize_ResizesBilinearly()
    {
        // A 2x1 image resized to 4x1: align_corners=false gives edge-replicated ends and a quarter/three-quarter blend inside.
        byte[] rgb = [0, 0, 0, 100, 100, 100];
        var chw = new float[3 * 4];

        SegmentationEngine.FillInput(rgb, width: 2, height: 1, chw, inH: 1, inW: 4);

        Assert.Equal([0f, 25f, 75f, 100f], chw[..4]);
    }
}
