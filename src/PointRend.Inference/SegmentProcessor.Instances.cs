using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using PointRend.Contracts.V1;
using PointRend.Inference.Instances;
using PointRend.Inference.Validation;

namespace PointRend.Inference;

public sealed partial class SegmentProcessor
{
    /// <summary>An instance model's request: decode, detector, mask refinement for every kept detection, encode.</summary>
    private SegmentResponse ProcessInstance(SegmentRequest request, RequestPlan plan, long start, CancellationToken ct)
    {
        var model = Catalog.TryGetInstance(plan.ModelName, out var loaded) ? loaded : throw InferenceErrors.UnknownModel(plan.ModelName, Catalog.Manifests.Names);
        Activity.Current?.SetTag("pointrend.model", model.Name);
        ct.ThrowIfCancellationRequested();

        var image = DecodeTraced(request.Image!);
        var decodeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        ct.ThrowIfCancellationRequested();

        using var runOptions = new RunOptions();
        using var terminate = ct.Register(static s => ((RunOptions)s!).Terminate = true, runOptions);
        var instance = plan.Instance!;
        if (_options.InstanceRefineBound > 0f && instance.Refine.Mode == Core.Instances.MaskMode.PointRend)
        {
            instance = instance with { Refine = instance.Refine with { RefineBound = _options.InstanceRefineBound } };
        }

        using var result = InstanceEngine.Run(model, image.Rgb.Span, image.Width, image.Height, instance, runOptions, _options.PointHead == "onnx");
        ct.ThrowIfCancellationRequested();

        var encodeStart = Stopwatch.GetTimestamp();
        using var encode = InferenceTracing.Start("pointrend.encode");
        var response = new SegmentResponse
        {
            CorrelationId = request.CorrelationId,
            Model = model.Name,
            ModelVersion = model.Manifest.Version,
            Width = image.Width,
            Height = image.Height,
            PointsRefined = (int)Math.Min(int.MaxValue, result.PointsPredicted),
            MaskResolution = result.MaskResolution,
        };
        InstanceOutputEncoder.Encode(request.Options?.Outputs, model.Manifest, result, image.Rgb.Span, response);
        encode?.Stop();
        response.Timings = Timed(start, decodeMs, result.DetectorMs, result.RefineMs + result.PasteMs, encodeStart);
        return response;
    }
}
