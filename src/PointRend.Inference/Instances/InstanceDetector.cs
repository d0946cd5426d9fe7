// Shape shorthand: an h x w RGB8 photo, the model input 1 x 3 x H x W (model.json input.resize), R detections.
// Coordinates: the photo is resized to H x W bilinearly (align_corners=False, no antialiasing: torch F.interpolate).
using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>RGB8 photo → resized input → detector.onnx → boxes, scores, classes, coarse logits, fine maps.</summary>
public static class InstanceDetector
{
    /// <param name="runOptions">Set Terminate on it to abandon the run (cancellation).</param>
    public static DetectorOutput Run(InstanceModel model, ReadOnlySpan<byte> rgb, int width, int height, RunOptions runOptions)
    {
        var m = model.Manifest;
        var (inH, inW) = m.Input.SizeFor(height, width);
        var input = ArrayPool<float>.Shared.Rent(3 * inH * inW);
        IDisposableReadOnlyCollection<OrtValue>? values = null;
        try
        {
            SegmentationEngine.FillInput(rgb, width, height, input.AsSpan(0, 3 * inH * inW), inH, inW);
            var o = m.Detector.Outputs;
            string[] names = [o.Boxes, o.Scores, o.Classes, o.Coarse, .. m.Features.Select(f => f.Name)];
            using (var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, 3 * inH * inW), [1L, 3, inH, inW]))
            {
                try
                {
                    // R varies per photo, so ORT allocates the outputs; the fine maps are then read in place.
                    values = model.Detector.Run(runOptions, [m.Input.Name], [inputValue], names);
                }
                catch (OnnxRuntimeException ex) when (!runOptions.Terminate && IsNoDetectionFailure(ex))
                {
                    return new DetectorOutput(null, inW, inH, [], [], [], [], m.Detector.CoarseResolution, []);
                }
            }

            var boxData = values[0].GetTensorDataAsSpan<float>();
            var count = boxData.Length / 4;
            var boxes = new DetectionBox[count];
            for (var r = 0; r < count; r++)
            {
                boxes[r] = new DetectionBox(boxData[4 * r], boxData[(4 * r) + 1], boxData[(4 * r) + 2], boxData[(4 * r) + 3]);
            }

            var fine = new StridedMap[m.Features.Count];
            for (var i = 0; i < fine.Length; i++)
            {
                var f = m.Features[i];
                CheckShape(values[4 + i], f, inH, inW, m.Detector.File);
                var memory = new OrtFloatMemory(values[4 + i]).Memory;
                fine[i] = new StridedMap(new FeatureMap(memory, f.Channels, inH / f.Stride, inW / f.Stride) { ChannelsLast = f.ChannelsLast }, f.Stride);
            }

            var output = new DetectorOutput(
                values, inW, inH, boxes, values[1].GetTensorDataAsSpan<float>().ToArray(), values[2].GetTensorDataAsSpan<long>().ToArray(),
                values[3].GetTensorDataAsSpan<float>().ToArray(), m.Detector.CoarseResolution, fine);
            values = null;
            return output;
        }
        finally
        {
            values?.Dispose();
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>
    /// pennfudan's detector.onnx (every export so far: 2026-12-02, 2026-12-03) fails in its coarse head's GroupNorm
    /// reshape (a 0 x 32 x 7 x 7 tensor to {0, 8, -1}) when no box passes its own post-processing, where torch returns
    /// zero rows. ORT runs every node whatever outputs are asked, so the only sign of that case is this error on a
    /// zero-row tensor: it means no detections.
    /// </summary>
    internal static bool IsNoDetectionFailure(OnnxRuntimeException ex) =>
        ex.Message.Contains("Reshape", StringComparison.Ordinal) && ex.Message.Contains("Input shape:{0,", StringComparison.Ordinal);

    /// <summary>Each fine map must be 1 x C x H / stride x W / stride: the sampling relies on it.</summary>
    private static void CheckShape(OrtValue value, FeatureOutput f, int inH, int inW, string file)
    {
        long[] want = f.ChannelsLast ? [1, inH / f.Stride, inW / f.Stride, f.Channels] : [1, f.Channels, inH / f.Stride, inW / f.Stride];
        var got = value.GetTensorTypeAndShape().Shape;
        if (!got.SequenceEqual(want))
        {
            throw new InvalidDataException($"{file} output '{f.Name}' for a {inW}x{inH} input is [{string.Join(", ", got)}]; model.json (stride {f.Stride}) implies [{string.Join(", ", want)}]");
        }
    }
}
