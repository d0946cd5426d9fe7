using PointRend.Core;
using PointRend.Inference.Instances;

namespace PointRend.Inference.Validation;

/// <summary>A request that passed validation: its model, how it will be rendered, its sizes and its cost.</summary>
/// <param name="ModelName">The model that will run (the default's name for an empty request field).</param>
/// <param name="Render">Semantic models: mode, steps (already grown to reach the output size) and points, with the
/// output size; null for an instance model.</param>
/// <param name="Instance">Instance models: score threshold, detections and mask refinement; null for a semantic model.</param>
/// <param name="Cost">Work units (<see cref="RequestCost"/>), known from the header before any pixel is decoded.</param>
public sealed record RequestPlan(string ModelName, RenderOptions? Render, InstanceOptions? Instance, int InputWidth, int InputHeight, long Cost)
{
    /// <summary>Semantic: the requested output size; instance: the input size (masks are pasted into the photo).</summary>
    public int OutputWidth => Render?.OutputWidth ?? InputWidth;

    public int OutputHeight => Render?.OutputHeight ?? InputHeight;

    /// <summary>The work in words, for cost messages.</summary>
    public string Work => Render is { } r
        ? $"{r.Mode} with {r.Steps} steps of {r.PointsPerStep} points"
        : $"instance masks {Instance!.Refine.Mode} with {Instance.Refine.Steps} steps of {Instance.Refine.PointsPerStep} points for up to {Instance.MaxDetections} detections";
}

/// <summary>
/// What a request will make the pool do, in work units of about one input pixel's share of the coarse network:
/// input pixels + output pixels + 10 per point the point head re-predicts (tiles each refine their own points).
/// </summary>
/// <remarks>
/// An honest proxy rather than a timing model: on the shipped CamVid model a 480x360 PointRend frame is 0.67 M units
/// (~50 ms on 2 cores), a 4096x4096 PNG tiled at 1024 px is 43 M (~4 s), and dense at 4x output 30 M (~3 s): the
/// weight of a point comes from dense mode's measured 1.1 us per point against ~0.1 us per pixel of the rest.
/// </remarks>
public static class RequestCost
{
    public const int PointWeight = 10;

    public static long Of(RenderOptions render, int inputWidth, int inputHeight, int tileSize)
    {
        long inputPixels = (long)inputWidth * inputHeight;
        long outputPixels = (long)render.OutputWidth * render.OutputHeight;
        var points = render.Mode switch
        {
            RenderMode.Coarse => 0L,
            RenderMode.Dense => outputPixels,
            _ => (long)render.Steps * render.PointsPerStep * Tiles(inputWidth, inputHeight, tileSize),
        };
        return inputPixels + outputPixels + (PointWeight * points);
    }

    /// <summary>Detector units per model-input pixel: the detector costs about 5x the semantic coarse net per pixel.</summary>
    public const int DetectorPixelWeight = 5;

    /// <summary>Units per instance point: the instance point head (44 k MACs per point) measured about 4x a semantic point.</summary>
    public const int InstancePointWeight = 40;

    /// <summary>Detections charged at most: how many a photo has is unknown before the detector runs, and a crowd of 10
    /// is what docs/benchmarks.md measures; max_detections below that lowers the charge.</summary>
    public const int ChargedDetections = 10;

    /// <summary>Decoding the photo, the detector at its resized input, and the point head for the charged detections.</summary>
    public static long OfInstance(InstanceOptions instance, int inputWidth, int inputHeight, (int Height, int Width) modelInput, int coarseResolution)
    {
        var refine = instance.Refine;
        var initial = Core.Instances.MaskRefineOptions.InitialResolution(coarseResolution, refine.PointsPerStep);
        long perDetection = refine.Mode switch
        {
            Core.Instances.MaskMode.Coarse => 0L,
            Core.Instances.MaskMode.Grid => (long)initial * initial,
            Core.Instances.MaskMode.Dense => (long)refine.MaskResolution(coarseResolution) * refine.MaskResolution(coarseResolution),
            _ => ((long)initial * initial) + ((long)refine.Steps * refine.PointsPerStep),
        };
        return ((long)inputWidth * inputHeight) + ((long)DetectorPixelWeight * modelInput.Height * modelInput.Width)
            + (InstancePointWeight * Math.Min(instance.MaxDetections, ChargedDetections) * perDetection);
    }

    private static long Tiles(int width, int height, int tileSize) =>
        tileSize <= 0 ? 1 : (long)((width + tileSize - 1) / tileSize) * ((height + tileSize - 1) / tileSize);
}
