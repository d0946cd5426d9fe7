using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Core;
using PointRend.Imaging;
using PointRend.Inference.Validation;

namespace PointRend.Inference;

/// <summary>
/// The whole pipeline for one <see cref="SegmentRequest"/>: validate, probe and decode, infer, encode.
/// Thread-safe; one instance per process (it owns the ONNX sessions).
/// </summary>
public sealed partial class SegmentProcessor : ISegmentProcessor, IDisposable
{
    private readonly InferenceOptions _options;
    private readonly RequestValidator _validator;
    private readonly ILogger _logger;

    public SegmentProcessor(ModelCatalog catalog, InferenceOptions options, ILogger<SegmentProcessor> logger)
    {
        Catalog = catalog;
        _options = options;
        _logger = logger;
        _validator = new RequestValidator(catalog.Manifests, options);
        foreach (var model in catalog.Models)
        {
            if (options.PointHead == "mlp" && model.MlpHeadProblem is { } reason)
            {
                InferenceLog.MlpPointHeadUnavailable(logger, model.Name, reason);
            }
        }

        foreach (var model in catalog.InstanceModels)
        {
            if (options.PointHead == "mlp" && model.MlpHeadProblem is { } reason)
            {
                InferenceLog.MlpPointHeadUnavailable(logger, model.Name, reason);
            }
        }
    }

    public ModelCatalog Catalog { get; }

    /// <summary>Loads and checks every model; throws with a message saying what is wrong (used by gateway, worker and CLI).</summary>
    public static SegmentProcessor Create(InferenceOptions options, ILoggerFactory loggerFactory)
    {
        var catalog = ModelCatalog.Load(options, loggerFactory.CreateLogger<ModelCatalog>());
        return new SegmentProcessor(catalog, options, loggerFactory.CreateLogger<SegmentProcessor>());
    }

    /// <summary>The served models with this process's execution provider.</summary>
    public ListModelsResponse ListModels() => ModelListing.From(Catalog.Manifests, Catalog.Provider.ToString().ToLowerInvariant());

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
            InferenceLog.ProcessFailed(_logger, ex, request.CorrelationId);
            throw InferenceErrors.Internal(request.CorrelationId, ex);
        }
    }

    private SegmentResponse ProcessCore(SegmentRequest request, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var span = InferenceTracing.Start("pointrend.segment");
        var options = request.Options ?? new SegmentOptions();
        var plan = _validator.Validate(request.Image, options);
        if (plan.Instance is not null)
        {
            return ProcessInstance(request, plan, start, ct);
        }

        var model = Catalog.TryGet(plan.ModelName, out var loaded) ? loaded : throw InferenceErrors.UnknownModel(plan.ModelName, Catalog.Manifests.Names);
        span?.SetTag("pointrend.model", model.Name);
        span?.SetTag("pointrend.mode", plan.Render!.Mode.ToString());
        ct.ThrowIfCancellationRequested();

        var image = DecodeTraced(request.Image!);
        var decodeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        ct.ThrowIfCancellationRequested();

        using var runOptions = new RunOptions();
        using var terminate = ct.Register(static s => ((RunOptions)s!).Terminate = true, runOptions);
        using var result = SegmentationEngine.Run(model, image.Rgb.Span, image.Width, image.Height, plan.Render!, runOptions, _options.PointHead == "onnx");
        ct.ThrowIfCancellationRequested();

        var encodeStart = Stopwatch.GetTimestamp();
        using var encode = InferenceTracing.Start("pointrend.encode");
        var response = new SegmentResponse
        {
            CorrelationId = request.CorrelationId,
            Model = model.Name,
            ModelVersion = model.Manifest.Version,
            Width = plan.OutputWidth,
            Height = plan.OutputHeight,
            PointsRefined = result.Render.PointsRefined,
        };
        OutputEncoder.Encode(options.Outputs, model, result.Render, image.Rgb.Span, image.Width, image.Height, response);
        encode?.Stop();
        span?.SetTag("pointrend.points_refined", response.PointsRefined);
        response.Timings = Timed(start, decodeMs, result.CoarseMs, result.RefineMs, encodeStart);
        return response;
    }

    private (ReadOnlyMemory<byte> Rgb, int Width, int Height) DecodeTraced(Image image)
    {
        using var span = InferenceTracing.Start("pointrend.decode");
        return Decode(image);
    }

    /// <summary>Stage times of one request; encoding ends now.</summary>
    private static Timings Timed(long start, double decodeMs, double coarseMs, double refineMs, long encodeStart) => new()
    {
        DecodeMs = decodeMs,
        CoarseMs = coarseMs,
        RefineMs = refineMs,
        EncodeMs = Stopwatch.GetElapsedTime(encodeStart).TotalMilliseconds,
        TotalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
    };

    /// <summary>Pixels of an image the validator already accepted; only the encoded body can still be found bad here.</summary>
    private (ReadOnlyMemory<byte> Rgb, int Width, int Height) Decode(Image image)
    {
        if (image.SourceCase == Image.SourceOneofCase.Raw)
        {
            return (image.Raw.Rgb.Memory, image.Raw.Width, image.Raw.Height);
        }

        try
        {
            var decoded = ImageDecoder.DecodeRgb8(WholeArray(image.Encoded), _validator.Limits);
            return (decoded.Pixels, decoded.Width, decoded.Height);
        }
        catch (ImageException ex)
        {
            InferenceLog.ImageRefused(_logger, ex, ex.Kind.ToString());
            throw InferenceErrors.BadImage(ex, "image.encoded", _options);
        }
    }

    /// <summary>stb decodes from a whole byte[]; a received ByteString usually is exactly one, so no copy.</summary>
    private static byte[] WholeArray(ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToByteArray();

    public void Dispose() => Catalog.Dispose();
}
