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
                // R varies per photo, so ORT allocates the outputs; the fine maps are then read in place.
                values = model.Detector.Run(runOptions, [m.Input.Name], [inputValue], names);
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
                var memory = new OrtFloatMemory(values[4 + i]).Memory;
                fine[i] = new StridedMap(new FeatureMap(memory, f.Channels, inH / f.Stride, inW / f.Stride), f.Stride);
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
}
