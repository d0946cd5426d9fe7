using PointRend.Core;

namespace PointRend.Inference.Validation;

/// <summary>A request that passed validation: its model, how it will be rendered, its sizes and its cost.</summary>
/// <param name="Render">Mode, steps (already grown to reach the output size) and points, with the output size.</param>
/// <param name="Cost">Work units (<see cref="RequestCost"/>), known from the header before any pixel is decoded.</param>
public sealed record RequestPlan(ModelManifest Model, RenderOptions Render, int InputWidth, int InputHeight, long Cost)
{
    public int OutputWidth => Render.OutputWidth;

    public int OutputHeight => Render.OutputHeight;
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

    private static long Tiles(int width, int height, int tileSize) =>
        tileSize <= 0 ? 1 : (long)((width + tileSize - 1) / tileSize) * ((height + tileSize - 1) / tileSize);
}
