using PointRend.Contracts.V1;
using PointRend.Core;
using PointRend.Imaging;
using ProtoRenderMode = PointRend.Contracts.V1.RenderMode;
using RenderMode = PointRend.Core.RenderMode;

namespace PointRend.Inference.Validation;

/// <summary>
/// Every rule a request must pass, from model.json data and the image header alone (no ONNX session, no pixel
/// decoded), so the gateway refuses bad work before anything is hashed, cached or queued. The processor runs the same
/// rules again as a cheap guard for callers that skip the gateway (CLI, worker fed by an older gateway).
/// </summary>
/// <param name="tileSize">Tile size the gateway cuts large images into, for the cost; 0 where nothing is tiled.</param>
public sealed class RequestValidator(ModelManifests models, InferenceOptions limits, int tileSize = 0)
{
    /// <exception cref="PointRend.Contracts.SegmentationException">The first rule the request breaks.</exception>
    public RequestPlan Validate(Image? image, SegmentOptions? options)
    {
        var o = options ?? new SegmentOptions();
        if (models.FindInstance(o.Model) is { } instance)
        {
            return InstanceRules.Validate(instance, o, Probe(image));
        }

        var model = models.Find(o.Model) ?? throw InferenceErrors.UnknownModel(o.Model.Length == 0 ? models.DefaultModel : o.Model, models.Names);
        InstanceRules.RefuseInstanceFields(o, model.Name);
        var mode = o.Mode switch
        {
            ProtoRenderMode.Unspecified or ProtoRenderMode.Pointrend => RenderMode.PointRend,
            ProtoRenderMode.Coarse => RenderMode.Coarse,
            ProtoRenderMode.Dense => RenderMode.Dense,
            _ => throw InferenceErrors.UnknownMode((int)o.Mode),
        };
        var max = model.Limits;
        if (o.SubdivisionSteps < 0 || o.SubdivisionSteps > max.MaxSteps)
        {
            throw InferenceErrors.OutOfRange("options.subdivision_steps", o.SubdivisionSteps, 1, max.MaxSteps, $"model '{model.Name}' limits.max_steps");
        }

        if (o.PointsPerStep < 0 || o.PointsPerStep > max.MaxPoints)
        {
            throw InferenceErrors.OutOfRange("options.points_per_step", o.PointsPerStep, 1, max.MaxPoints, $"model '{model.Name}' limits.max_points");
        }

        if (!(o.MaxGap >= 0f))
        {
            throw InferenceErrors.NegativeMaxGap(o.MaxGap);
        }

        if (o.OutputWidth < 0)
        {
            throw InferenceErrors.NegativeOutput("options.output_width", o.OutputWidth);
        }

        if (o.OutputHeight < 0)
        {
            throw InferenceErrors.NegativeOutput("options.output_height", o.OutputHeight);
        }

        var (width, height) = Probe(image);
        var outW = o.OutputWidth == 0 ? width : o.OutputWidth;
        var outH = o.OutputHeight == 0 ? height : o.OutputHeight;
        var tile = TileSizeFor(width, height, outW, outH);
        if (tile == 0 && (long)outW * outH > limits.MaxOutputPixels)
        {
            // A tiled image is rendered tile by tile: the output limit bounds each tile's logits, not the stitched labels.
            throw InferenceErrors.OutputTooLarge(outW, outH, limits);
        }

        var steps = o.SubdivisionSteps == 0 ? StepsToReach(model, model.Defaults.Steps, width, height, outW, outH) : o.SubdivisionSteps;
        var points = o.PointsPerStep == 0 ? model.Defaults.Points : o.PointsPerStep;
        var render = new RenderOptions(mode, steps, points, outH, outW) { MaxGap = o.MaxGap == 0f ? model.Defaults.MaxGapOrInfinity : o.MaxGap };
        return new RequestPlan(model.Name, render, null, width, height, RequestCost.Of(render, width, height, tile));
    }

    /// <summary>Only images at input resolution and larger than a tile are tiled (see TiledSegmenter).</summary>
    private int TileSizeFor(int width, int height, int outW, int outH) =>
        tileSize > 0 && (width > tileSize || height > tileSize) && outW == width && outH == height ? tileSize : 0;

    /// <summary>
    /// Without explicit steps, subdivide until the grid reaches the output size (as the paper does for larger
    /// masks) rather than stopping at the model default and upsampling bilinearly, which would blur the boundaries
    /// a larger output is asked for; capped by the model's max_steps.
    /// </summary>
    private static int StepsToReach(ModelManifest m, int steps, int width, int height, int outW, int outH)
    {
        var multiple = m.Input.SizeMultiple;
        var gridH = (height + multiple - 1) / multiple * multiple / m.Coarse.Stride;
        var gridW = (width + multiple - 1) / multiple * multiple / m.Coarse.Stride;
        while (steps < m.Limits.MaxSteps && ((gridH << steps) < outH || (gridW << steps) < outW))
        {
            steps++;
        }

        return steps;
    }

    /// <summary>Width and height from the raw fields or the encoded header, checked against the limits.</summary>
    private (int Width, int Height) Probe(Image? image)
    {
        switch (image?.SourceCase)
        {
            case Image.SourceOneofCase.Raw:
                var raw = image.Raw;
                if (raw.Width <= 0 || raw.Height <= 0)
                {
                    throw InferenceErrors.RawSize(raw.Width, raw.Height, raw.Width <= 0 ? "image.raw.width" : "image.raw.height");
                }

                if (raw.Width > limits.MaxImageSide || raw.Height > limits.MaxImageSide || (long)raw.Width * raw.Height > limits.MaxImagePixels)
                {
                    throw InferenceErrors.ImageTooLarge(raw.Width, raw.Height, limits, "image.raw");
                }

                if (raw.Rgb.Length != (long)raw.Width * raw.Height * 3)
                {
                    throw InferenceErrors.RawLength(raw.Rgb.Length, raw.Width, raw.Height);
                }

                return (raw.Width, raw.Height);

            case Image.SourceOneofCase.Encoded when !image.Encoded.IsEmpty:
                try
                {
                    var header = ImageProbe.ProbeAndCheck(image.Encoded.Span, Limits);
                    return (header.Width, header.Height);
                }
                catch (ImageException ex)
                {
                    throw InferenceErrors.BadImage(ex, "image.encoded", limits);
                }

            default:
                throw InferenceErrors.NoImage();
        }
    }

    public ImageLimits Limits => new(limits.MaxImagePixels, limits.MaxImageSide);
}
