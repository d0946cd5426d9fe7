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
    public void MlpAndOnnxPointHeads_GiveTheSameLabels()
    {
        // The two heads differ by float rounding only (1e-5), which can move a near-tie in the selection or the
        // argmax, so nearly every pixel, not every pixel, must agree.
        var image = ModelFixture.SampleImage();
        using var runOptions = new RunOptions();
        var options = new RenderOptions(RenderMode.PointRend, 4, 4096, image.Height, image.Width);
        using var mlp = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height, options, runOptions);
        using var onnx = SegmentationEngine.Run(fixture.CamVid, image.Pixels, image.Width, image.Height, options, runOptions, onnxPointHead: true);

        var pixels = image.Width * image.Height;
        var a = new byte[pixels];
        var b = new byte[pixels];
        LabelMaps.Argmax(mlp.Render.Logits, mlp.Render.Classes, pixels, a);
        LabelMaps.Argmax(onnx.Render.Logits, onnx.Render.Classes, pixels, b);
        var differing = a.Zip(b).Count(p => p.First != p.Second);
        Assert.True(differing <= pixels / 1000, $"{differing} of {pixels} labels differ between the MLP and the ONNX head");
        Assert.Equal(mlp.Render.PointsRefined, onnx.Render.PointsRefined);
    }

    [Fact]
    public void PointHeadOption_OtherThanMlpOrOnnx_IsRefusedNamingTheKey()
    {
        var problems = new InferenceOptions { PointHead = "gpu" }.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("Inference:PointHead", StringComparison.Ordinal) && p.Contains("'gpu'", StringComparison.Ordinal));
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

    [Theory]
    [InlineData(480, 360, 480, 368)] // CamVid: only the height grows to the multiple
    [InlineData(37, 23, 48, 32)]
    [InlineData(200, 150, 64, 48)]  // shrinking: output rows skip source rows
    [InlineData(9, 40, 16, 16)]
    [InlineData(1, 1, 16, 16)]
    public void FillInput_Resized_EqualsThePerPixelBilinearFormulaBitForBit(int width, int height, int inW, int inH)
    {
        // The separable, vectorised resize must give torch's align_corners=false values exactly as the per-pixel
        // formula computes them (x blends of both source rows, then the y blend), since the goldens were made that way.
        var random = new Random(width * 7 + inH);
        var rgb = new byte[width * height * 3];
        random.NextBytes(rgb);
        var chw = new float[3 * inH * inW];

        SegmentationEngine.FillInput(rgb, width, height, chw, inH, inW);

        float scaleX = (float)width / inW, scaleY = (float)height / inH;
        for (var y = 0; y < inH; y++)
        {
            var sy = Math.Max(0f, ((y + 0.5f) * scaleY) - 0.5f);
            var y0 = Math.Min((int)sy, height - 1);
            var y1 = Math.Min(y0 + 1, height - 1);
            var fy = sy - y0;
            for (var x = 0; x < inW; x++)
            {
                var sx = Math.Max(0f, ((x + 0.5f) * scaleX) - 0.5f);
                var x0 = Math.Min((int)sx, width - 1);
                var x1 = Math.Min(x0 + 1, width - 1);
                var fx = sx - x0;
                for (var c = 0; c < 3; c++)
                {
                    int nw = rgb[(((y0 * width) + x0) * 3) + c], ne = rgb[(((y0 * width) + x1) * 3) + c];
                    int sw = rgb[(((y1 * width) + x0) * 3) + c], se = rgb[(((y1 * width) + x1) * 3) + c];
                    var top = nw + ((ne - nw) * fx);
                    var bottom = sw + ((se - sw) * fx);
                    var expected = top + ((bottom - top) * fy);
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(chw[(c * inH * inW) + (y * inW) + x]));
                }
            }
        }
    }
}
