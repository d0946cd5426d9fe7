using Microsoft.Extensions.Logging;

namespace PointRend.Inference;

internal static partial class InferenceLog
{
    [LoggerMessage(1, LogLevel.Information, "Loaded model {Model} version {Version} from {Path} on {Provider}", EventName = "ModelLoaded")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string path, string provider);

    [LoggerMessage(2, LogLevel.Warning, "Inference:ExecutionProvider is auto and CUDA is not available (providers: {Providers}); running on CPU", EventName = "ProviderFallback")]
    public static partial void ProviderFallback(ILogger logger, string providers);

    [LoggerMessage(6, LogLevel.Warning, "Inference:ExecutionProvider is auto and the CUDA provider did not load ({Reason}); running on CPU. {Requirement}", EventName = "CudaLoadFallback")]
    public static partial void CudaLoadFallback(ILogger logger, string reason, string requirement);

    [LoggerMessage(3, LogLevel.Information, "Models folder {Path}", EventName = "ModelsPath")]
    public static partial void ModelsPath(ILogger logger, string path);

    [LoggerMessage(4, LogLevel.Error, "Request {CorrelationId} failed unexpectedly", EventName = "ProcessFailed")]
    public static partial void ProcessFailed(ILogger logger, Exception exception, string correlationId);

    [LoggerMessage(5, LogLevel.Information, "Warmed up model {Model} with {Frames} synthetic frames in {Ms:F0} ms (last frame {LastMs:F1} ms)", EventName = "WarmedUp")]
    public static partial void WarmedUp(ILogger logger, string model, int frames, double ms, double lastMs);

    [LoggerMessage(7, LogLevel.Debug, "Image refused as {Kind}", EventName = "ImageRefused")]
    public static partial void ImageRefused(ILogger logger, Exception exception, string kind);

    [LoggerMessage(20, LogLevel.Warning, "Model {Model}: the point head runs in ONNX Runtime, not the SIMD MLP: {Reason}", EventName = "MlpPointHeadUnavailable")]
    public static partial void MlpPointHeadUnavailable(ILogger logger, string model, string reason);
}
