// Shape shorthand: an h x w photo, R detections kept (score >= threshold, at most MaxDetections), m x m masks.
// Coordinates: results are in photo pixels; boxes are the detector's scaled by w / W and h / H and clipped.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>What to return: detections at or above ScoreThreshold, the first MaxDetections of them, refined as Refine says.</summary>
public sealed record InstanceOptions(MaskRefineOptions Refine, float ScoreThreshold, int MaxDetections);

/// <summary>One detection in photo pixels with its pasted mask.</summary>
public sealed record InstanceDetection(int ClassId, float Score, DetectionBox Box, PastedMask Mask);

/// <summary>Detections of one photo and the time each stage took; dispose to return the pooled masks.</summary>
public sealed class InstanceResult(
    IReadOnlyList<InstanceDetection> detections, int width, int height, int maskResolution, long pointsPredicted, double detectorMs, double refineMs, double pasteMs)
    : IDisposable
{
    public IReadOnlyList<InstanceDetection> Detections { get; } = detections;

    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>Side of the per-detection mask grid before pasting (7, 28 or 224 by default).</summary>
    public int MaskResolution { get; } = maskResolution;

    public long PointsPredicted { get; } = pointsPredicted;

    public double DetectorMs { get; } = detectorMs;

    /// <summary>Point sampling, point head and subdivision for all kept detections.</summary>
    public double RefineMs { get; } = refineMs;

    public double PasteMs { get; } = pasteMs;

    public void Dispose()
    {
        foreach (var d in Detections)
        {
            d.Mask.Dispose();
        }
    }
}

/// <summary>RGB8 photo → detector.onnx → <see cref="MaskRefiner"/> with point_head.onnx → <see cref="MaskPaste"/>.</summary>
public static class InstanceEngine
{
    /// <param name="rgb">Interleaved RGB8, row-major.</param>
    /// <param name="runOptions">Set Terminate on it to abandon the run (cancellation).</param>
    /// <param name="onnxPointHead">Run point_head.onnx in ONNX Runtime even when the model has an <see cref="InstanceModel.MlpHead"/>.</param>
    public static InstanceResult Run(
        InstanceModel model, ReadOnlySpan<byte> rgb, int width, int height, InstanceOptions options, RunOptions runOptions, bool onnxPointHead = false)
    {
        var start = Stopwatch.GetTimestamp();
        var coarse = InferenceTracing.Start("pointrend.coarse");
        DetectorOutput detected;
        try
        {
            detected = InstanceDetector.Run(model, rgb, width, height, runOptions);
        }
        finally
        {
            coarse?.Dispose(); // also on failure: a span left open would stay Activity.Current for the worker's next job
        }

        using var owned = detected;
        var detectorMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // Scores come sorted (post-processing is in the graph), so the kept detections are a prefix.
        var kept = 0;
        while (kept < detected.Count && kept < options.MaxDetections && detected.Scores[kept] >= options.ScoreThreshold)
        {
            kept++;
        }

        var refineStart = Stopwatch.GetTimestamp();
        using var refine = InferenceTracing.Start("pointrend.refine");
        refine?.SetTag("pointrend.detections", kept);
        int plane = detected.CoarseResolution * detected.CoarseResolution;
        var head = Head(model, runOptions, onnxPointHead);
        using var logits = kept == 0 ? null : MaskRefiner.Refine(
            detected.Fine, detected.Boxes.AsMemory(0, kept), detected.Coarse.AsMemory(0, kept * plane), detected.CoarseResolution,
            head, options.Refine);
        var refineMs = Stopwatch.GetElapsedTime(refineStart).TotalMilliseconds;

        var pasteStart = Stopwatch.GetTimestamp();
        var boxes = new DetectionBox[kept];
        for (var r = 0; r < kept; r++)
        {
            boxes[r] = detected.Boxes[r].Rescale(detected.InputWidth, detected.InputHeight, width, height);
        }

        var masks = kept == 0 ? [] : MaskPaste.PasteAll(logits!, boxes, width, height, model.Manifest.Mask.PasteThreshold, head.Threads);
        var detections = new InstanceDetection[kept];
        for (var r = 0; r < kept; r++)
        {
            detections[r] = new InstanceDetection((int)detected.Classes[r], detected.Scores[r], boxes[r], masks[r]);
        }

        return new InstanceResult(
            detections, width, height, options.Refine.MaskResolution(detected.CoarseResolution), logits?.PointsPredicted ?? 0, detectorMs, refineMs, Stopwatch.GetElapsedTime(pasteStart).TotalMilliseconds);
    }

    /// <summary>The SIMD MLP when the model has one and ONNX Runtime was not asked for (Inference:PointHead=onnx).</summary>
    public static IBoxPointHead Head(InstanceModel model, RunOptions runOptions, bool onnxPointHead) =>
        !onnxPointHead && model.MlpHead is { } mlp ? mlp : new OnnxBoxPointHead(model, runOptions);
}
