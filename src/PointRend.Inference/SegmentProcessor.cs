using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Core;
using ProtoRenderMode = PointRend.Contracts.V1.RenderMode;
using RenderMode = PointRend.Core.RenderMode;
using PointRend.Imaging;

namespace PointRend.Inference;

/// <summary>
/// The whole pipeline for one <see cref="SegmentRequest"/>: validate, probe and decode, infer, encode.
/// Thread-safe; one instance per process (it owns the ONNX sessions).
/// </summary>
public sealed partial class SegmentProcessor : ISegmentProcessor, IDisposable
{
    private readonly InferenceOptions _options;
    private readonly ILogger _logger;

    public SegmentProcessor(ModelCatalog catalog, InferenceOptions options, ILogger<SegmentProcessor> logger)
    {
        Catalog = catalog;
        _options = options;
        _logger = logger;
    }

    public ModelCatalog Catalog { get; }

    /// <summary>Loads and checks every model; throws with a message saying what is wrong (used by gateway, worker and CLI).</summary>
    public static SegmentProcessor Create(InferenceOptions options, ILoggerFactory loggerFactory)
    {
        var catalog = ModelCatalog.Load(options, loggerFactory.CreateLogger<ModelCatalog>());
        return new SegmentProcessor(catalog, options, loggerFactory.CreateLogger<SegmentProcessor>());
    }

    public ListModelsResponse ListModels()
    {
        var response = new ListModelsResponse();
        foreach (var model in Catalog.Models.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var m = model.Manifest;
            var info = new ModelInfo
            {
                Name = m.Name,
                Version = m.Version,
                DefaultSteps = m.Defaults.Steps,
                DefaultPoints = m.Defaults.Points,
                CoarseStride = m.Coarse.Stride,
                IsDefault = m.Name == Catalog.DefaultModel,
                ExecutionProvider = model.Provider.ToString().ToLowerInvariant(),
            };
            info.Classes.Add(m.Classes.Select(c => new ClassInfo { Id = c.Id, Name = c.Name, ColorRgb = c.ColorRgb }));
            response.Models.Add(info);
        }

        return response;
    }

    public SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return ProcessCore(request, cancellationToken);
        }
        catch (SegmentationException)
        {
            throw;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // ORT reports RunOptions.Terminate as a generic OnnxRuntimeException.
            throw InferenceErrors.Cancelled();
        }
        catch (Exception ex)
        {
            InferenceLog.ProcessFailed(_logger, ex, request.RequestId);
            throw InferenceErrors.Internal(request.RequestId, ex);
        }
    }

    private SegmentResponse ProcessCore(SegmentRequest request, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var options = request.Options ?? new SegmentOptions();
        var model = ResolveModel(options.Model);
        var render = RenderSettings(options, model);
        ct.ThrowIfCancellationRequested();

        var image = Decode(request.Image);
        var outW = options.OutputWidth == 0 ? image.Width : options.OutputWidth;
        var outH = options.OutputHeight == 0 ? image.Height : options.OutputHeight;
        if ((long)outW * outH > _options.MaxOutputPixels)
        {
            throw InferenceErrors.OutputTooLarge(outW, outH, _options);
        }

        var decodeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        ct.ThrowIfCancellationRequested();

        using var runOptions = new RunOptions();
        using var terminate = ct.Register(static s => ((RunOptions)s!).Terminate = true, runOptions);
        using var result = SegmentationEngine.Run(model, image.Rgb.Span, image.Width, image.Height, WithOutput(render, options, model, image.Width, image.Height, outW, outH), runOptions);
        ct.ThrowIfCancellationRequested();

        var encodeStart = Stopwatch.GetTimestamp();
        var response = new SegmentResponse
        {
            RequestId = request.RequestId,
            Model = model.Name,
            ModelVersion = model.Manifest.Version,
            Width = outW,
            Height = outH,
            PointsRefined = result.Render.PointsRefined,
        };
        OutputEncoder.Encode(options.Outputs, model, result.Render, image.Rgb.Span, image.Width, image.Height, response);
        response.Timings = new Timings
        {
            DecodeMs = decodeMs,
            CoarseMs = result.CoarseMs,
            RefineMs = result.RefineMs,
            EncodeMs = Stopwatch.GetElapsedTime(encodeStart).TotalMilliseconds,
            TotalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
        return response;
    }

    private LoadedModel ResolveModel(string name)
    {
        var wanted = string.IsNullOrEmpty(name) ? Catalog.DefaultModel : name;
        return Catalog.TryGet(wanted, out var model) ? model : throw InferenceErrors.UnknownModel(wanted, Catalog.Models.Select(m => m.Name));
    }

    /// <summary>
    /// Without explicit steps, subdivide until the grid reaches the output size (as the paper does for larger
    /// masks) rather than stopping at the model default and upsampling bilinearly, which would blur the boundaries
    /// a larger output is asked for; capped by the model's max_steps.
    /// </summary>
    private static RenderOptions WithOutput(RenderOptions render, SegmentOptions o, LoadedModel model, int width, int height, int outW, int outH)
    {
        var steps = render.Steps;
        if (o.SubdivisionSteps == 0 && render.Mode == RenderMode.PointRend)
        {
            var m = model.Manifest;
            var multiple = m.Input.SizeMultiple;
            var gridH = (height + multiple - 1) / multiple * multiple / m.Coarse.Stride;
            var gridW = (width + multiple - 1) / multiple * multiple / m.Coarse.Stride;
            while (steps < m.Limits.MaxSteps && ((gridH << steps) < outH || (gridW << steps) < outW))
            {
                steps++;
            }
        }

        return render with { Steps = steps, OutputHeight = outH, OutputWidth = outW };
    }

    private static RenderOptions RenderSettings(SegmentOptions o, LoadedModel model)
    {
        var limits = model.Manifest.Limits;
        var defaults = model.Manifest.Defaults;
        var mode = o.Mode switch
        {
            ProtoRenderMode.Unspecified or ProtoRenderMode.Pointrend => RenderMode.PointRend,
            ProtoRenderMode.Coarse => RenderMode.Coarse,
            ProtoRenderMode.Dense => RenderMode.Dense,
            _ => throw InferenceErrors.UnknownMode((int)o.Mode),
        };
        if (o.SubdivisionSteps < 0 || o.SubdivisionSteps > limits.MaxSteps)
        {
            throw InferenceErrors.OutOfRange("options.subdivision_steps", o.SubdivisionSteps, 1, limits.MaxSteps, $"model '{model.Name}' limits.max_steps");
        }

        if (o.PointsPerStep < 0 || o.PointsPerStep > limits.MaxPoints)
        {
            throw InferenceErrors.OutOfRange("options.points_per_step", o.PointsPerStep, 1, limits.MaxPoints, $"model '{model.Name}' limits.max_points");
        }

        if (o.OutputWidth < 0)
        {
            throw InferenceErrors.NegativeOutput("options.output_width", o.OutputWidth);
        }

        if (o.OutputHeight < 0)
        {
            throw InferenceErrors.NegativeOutput("options.output_height", o.OutputHeight);
        }

        var steps = o.SubdivisionSteps == 0 ? defaults.Steps : o.SubdivisionSteps;
        var points = o.PointsPerStep == 0 ? defaults.Points : o.PointsPerStep;
        return new RenderOptions(mode, steps, points, 0, 0);
    }

    private (ReadOnlyMemory<byte> Rgb, int Width, int Height) Decode(Image? image)
    {
        var limits = new ImageLimits(_options.MaxImagePixels, _options.MaxImageSide);
        switch (image?.SourceCase)
        {
            case Image.SourceOneofCase.Raw:
                var raw = image.Raw;
                if (raw.Width <= 0 || raw.Height <= 0)
                {
                    throw InferenceErrors.RawSize(raw.Width, raw.Height, raw.Width <= 0 ? "image.raw.width" : "image.raw.height");
                }

                if (raw.Width > _options.MaxImageSide || raw.Height > _options.MaxImageSide || (long)raw.Width * raw.Height > _options.MaxImagePixels)
                {
                    throw InferenceErrors.ImageTooLarge(raw.Width, raw.Height, _options, "image.raw");
                }

                if (raw.Rgb.Length != (long)raw.Width * raw.Height * 3)
                {
                    throw InferenceErrors.RawLength(raw.Rgb.Length, raw.Width, raw.Height);
                }

                return (raw.Rgb.Memory, raw.Width, raw.Height);

            case Image.SourceOneofCase.Encoded when !image.Encoded.IsEmpty:
                try
                {
                    var decoded = ImageDecoder.DecodeRgb8(WholeArray(image.Encoded), limits);
                    return (decoded.Pixels, decoded.Width, decoded.Height);
                }
                catch (ImageException ex) when (ex.Kind == ImageErrorKind.TooLarge)
                {
                    throw InferenceErrors.ImageTooLarge(ex.Width, ex.Height, _options, "image.encoded");
                }
                catch (ImageException ex)
                {
                    throw InferenceErrors.BadImage(ex, "image.encoded");
                }

            default:
                throw InferenceErrors.NoImage();
        }
    }

    /// <summary>stb decodes from a whole byte[]; a received ByteString usually is exactly one, so no copy.</summary>
    private static byte[] WholeArray(ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToByteArray();

    public void Dispose() => Catalog.Dispose();
}
