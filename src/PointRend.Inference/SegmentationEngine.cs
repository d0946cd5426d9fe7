// Shape shorthand: N = 1 image, C channels, H x W input (a multiple of input.size_multiple), K classes.
// Coordinates: normalised [0, 1] over the image, so the resize to a size multiple changes no output geometry.
using System.Buffers;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;

namespace PointRend.Inference;

/// <summary>Logits at the output size plus how long each stage took; dispose to return the pooled logits.</summary>
public sealed record EngineResult(RenderResult Render, double CoarseMs, double RefineMs) : IDisposable
{
    public void Dispose() => Render.Dispose();
}

/// <summary>RGB8 image → coarse.onnx → <see cref="SubdivisionRenderer"/> → K x H x W logits.</summary>
public static class SegmentationEngine
{
    /// <param name="rgb">Interleaved RGB8, row-major, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="runOptions">Set Terminate on it to abandon the run (cancellation).</param>
    /// <param name="onnxPointHead">Run point_head.onnx in ONNX Runtime even when the model has an <see cref="LoadedModel.MlpHead"/>.</param>
    public static EngineResult Run(LoadedModel model, ReadOnlySpan<byte> rgb, int width, int height, RenderOptions options, RunOptions runOptions, bool onnxPointHead = false)
    {
        var m = model.Manifest;
        var multiple = m.Input.SizeMultiple;
        var inH = RoundUp(height, multiple);
        var inW = RoundUp(width, multiple);

        var start = Stopwatch.GetTimestamp();
        float[]? input = EngineBuffers.Rent(3 * inH * inW);

        // Index 0 is the coarse logits, then the features in model.json order.
        var outputs = new float[m.Features.Count + 1][];
        var names = new string[m.Features.Count + 1];
        var shapes = new (int C, int H, int W, bool ChannelsLast)[m.Features.Count + 1];
        try
        {
            FillInput(rgb, width, height, input.AsSpan(0, 3 * inH * inW), inH, inW);
            names[0] = m.Coarse.Output;
            shapes[0] = (model.Classes, inH / m.Coarse.Stride, inW / m.Coarse.Stride, false);
            for (var i = 0; i < m.Features.Count; i++)
            {
                var f = m.Features[i];
                names[i + 1] = f.Name;
                shapes[i + 1] = (f.Channels, inH / f.Stride, inW / f.Stride, f.ChannelsLast);
            }

            for (var i = 0; i < outputs.Length; i++)
            {
                outputs[i] = EngineBuffers.Rent(shapes[i].C * shapes[i].H * shapes[i].W);
            }

            using (InferenceTracing.Start("pointrend.coarse"))
            {
                RunCoarse(model, input, inH, inW, names, shapes, outputs, runOptions);
            }

            // Returned before refinement, so the other worker's next coarse run can have it while this one refines.
            EngineBuffers.Return(input);
            input = null;

            var coarseMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

            var refineStart = Stopwatch.GetTimestamp();
            var coarse = Map(outputs[0], shapes[0]);
            var features = new FeatureMap[m.Features.Count];
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = Map(outputs[i + 1], shapes[i + 1]);
            }

            IPointHead head = !onnxPointHead && model.MlpHead is { } mlp ? mlp : new OnnxPointHead(model, runOptions);
            using var refine = InferenceTracing.Start("pointrend.refine");
            var render = SubdivisionRenderer.Render(coarse, features, head, options);
            refine?.SetTag("pointrend.points_refined", render.PointsRefined);
            return new EngineResult(render, coarseMs, Stopwatch.GetElapsedTime(refineStart).TotalMilliseconds);
        }
        finally
        {
            if (input is not null)
            {
                EngineBuffers.Return(input);
            }

            foreach (var buffer in outputs)
            {
                if (buffer is not null)
                {
                    EngineBuffers.Return(buffer);
                }
            }
        }
    }

    private static FeatureMap Map(float[] buffer, (int C, int H, int W, bool ChannelsLast) s) =>
        new(buffer.AsMemory(0, s.C * s.H * s.W), s.C, s.H, s.W) { ChannelsLast = s.ChannelsLast };

    private static void RunCoarse(
        LoadedModel model, float[] input, int inH, int inW, string[] names, (int C, int H, int W, bool ChannelsLast)[] shapes, float[][] outputs, RunOptions runOptions)
    {
        // Output shapes are known from the contract, so ORT writes straight into pooled buffers (no output copy).
        var values = new OrtValue[outputs.Length];
        try
        {
            using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, 3 * inH * inW), [1L, 3, inH, inW]);
            for (var i = 0; i < outputs.Length; i++)
            {
                var (c, h, w, channelsLast) = shapes[i];
                long[] shape = channelsLast ? [1L, h, w, c] : [1L, c, h, w];
                values[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, outputs[i].AsMemory(0, c * h * w), shape);
            }

            model.Coarse.Run(runOptions, [model.Manifest.Input.Name], [inputValue], names, values);
        }
        finally
        {
            foreach (var v in values)
            {
                v?.Dispose();
            }
        }
    }

    /// <summary>
    /// HWC bytes → CHW floats 0..255 (normalisation is inside the graph). When the size is not a multiple,
    /// bilinear with align_corners=false, matching torch's F.interpolate used at training time.
    /// </summary>
    internal static void FillInput(ReadOnlySpan<byte> rgb, int width, int height, Span<float> chw, int inH, int inW)
    {
        var plane = inH * inW;
        if (inH == height && inW == width)
        {
            for (var p = 0; p < plane; p++)
            {
                chw[p] = rgb[p * 3];
                chw[plane + p] = rgb[(p * 3) + 1];
                chw[(2 * plane) + p] = rgb[(p * 3) + 2];
            }

            return;
        }

        // Separable: each source row is interpolated along x once (an output row blends two of them, and neighbouring
        // output rows share theirs), then the blend along y goes a vector at a time. The float operations and their
        // order are the per-pixel formula's, so the values are the same; per pixel it took a tenth of a frame's CPU.
        var ints = ArrayPool<int>.Shared.Rent(2 * inW);
        var fracs = ArrayPool<float>.Shared.Rent(inW);
        var rows = ArrayPool<float>.Shared.Rent(2 * 3 * inW);
        try
        {
            var scaleX = (float)width / inW;
            for (var x = 0; x < inW; x++)
            {
                var sx = Math.Max(0f, ((x + 0.5f) * scaleX) - 0.5f);
                var x0 = Math.Min((int)sx, width - 1);
                ints[x] = x0;
                ints[inW + x] = Math.Min(x0 + 1, width - 1);
                fracs[x] = sx - x0;
            }

            int held0 = -1, held1 = -1; // the source row in each half of rows
            var scaleY = (float)height / inH;
            for (var y = 0; y < inH; y++)
            {
                var sy = Math.Max(0f, ((y + 0.5f) * scaleY) - 0.5f);
                var y0 = Math.Min((int)sy, height - 1);
                var y1 = Math.Min(y0 + 1, height - 1);
                var fy = sy - y0;
                var topSlot = held0 == y0 ? 0 : held1 == y0 ? 1 : -1;
                if (topSlot < 0)
                {
                    topSlot = held0 == y1 && y1 != y0 ? 1 : 0; // keep the half that already holds the bottom row
                    InterpolateRow(rgb.Slice(y0 * width * 3, width * 3), ints.AsSpan(0, 2 * inW), fracs.AsSpan(0, inW), rows.AsSpan(topSlot * 3 * inW, 3 * inW));
                    (held0, held1) = topSlot == 0 ? (y0, held1) : (held0, y0);
                }

                var bottomSlot = held0 == y1 ? 0 : held1 == y1 ? 1 : -1;
                if (bottomSlot < 0)
                {
                    bottomSlot = 1 - topSlot;
                    InterpolateRow(rgb.Slice(y1 * width * 3, width * 3), ints.AsSpan(0, 2 * inW), fracs.AsSpan(0, inW), rows.AsSpan(bottomSlot * 3 * inW, 3 * inW));
                    (held0, held1) = bottomSlot == 0 ? (y1, held1) : (held0, y1);
                }

                var top = rows.AsSpan(topSlot * 3 * inW, 3 * inW);
                var bottom = rows.AsSpan(bottomSlot * 3 * inW, 3 * inW);
                for (var c = 0; c < 3; c++)
                {
                    BlendRows(top.Slice(c * inW, inW), bottom.Slice(c * inW, inW), fy, chw.Slice((c * plane) + (y * inW), inW));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ints);
            ArrayPool<float>.Shared.Return(fracs);
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    /// <summary>One source row (HWC bytes) interpolated along x into three planes of taps.Length / 2 floats.</summary>
    private static void InterpolateRow(ReadOnlySpan<byte> line, ReadOnlySpan<int> taps, ReadOnlySpan<float> fracs, Span<float> output)
    {
        var inW = fracs.Length;
        if (inW * 3 == line.Length)
        {
            // Same width: every tap is its own column with weight 0, and v + (d * 0) == v, so a plain de-interleave.
            for (var c = 0; c < 3; c++)
            {
                var plane = output.Slice(c * inW, inW);
                for (var x = 0; x < plane.Length; x++)
                {
                    plane[x] = line[(3 * x) + c];
                }
            }

            return;
        }

        for (var x = 0; x < inW; x++)
        {
            int a = taps[x] * 3, b = taps[inW + x] * 3;
            var fx = fracs[x];
            for (var c = 0; c < 3; c++)
            {
                output[(c * inW) + x] = line[a + c] + ((line[b + c] - line[a + c]) * fx);
            }
        }
    }

    /// <summary>top + ((bottom - top) * fy), a multiply then an add as the scalar formula (no fused multiply-add).</summary>
    private static void BlendRows(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float fy, Span<float> output)
    {
        var x = 0;
        var weight = Vector256.Create(fy);
        for (; x + Vector256<float>.Count <= output.Length; x += Vector256<float>.Count)
        {
            var t = Vector256.Create(top.Slice(x, Vector256<float>.Count));
            var b = Vector256.Create(bottom.Slice(x, Vector256<float>.Count));
            (t + ((b - t) * weight)).CopyTo(output[x..]);
        }

        for (; x < output.Length; x++)
        {
            output[x] = top[x] + ((bottom[x] - top[x]) * fy);
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
