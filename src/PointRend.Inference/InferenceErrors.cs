using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Imaging;

namespace PointRend.Inference;

/// <summary>
/// Every request error the pipeline raises, built here so each message names the field, the value seen and
/// the limit with where it comes from (option key or model.json entry). The gateway maps Kind to a status.
/// </summary>
public static class InferenceErrors
{
    public static SegmentationException NoImage() => Invalid(
        ErrorReason.ImageMissing, "image", "image is empty: set image.encoded (PNG or JPEG bytes) or image.raw (RGB8 pixels)");

    public static SegmentationException RawSize(int width, int height, string field) => Invalid(
        ErrorReason.ImageInvalidSize, field, $"image.raw is {width}x{height}; width and height must be positive");

    public static SegmentationException RawLength(int length, int width, int height) => Invalid(
        ErrorReason.ImageInvalidSize, "image.raw.rgb", $"image.raw.rgb has {length} bytes; {width}x{height} RGB8 needs width*height*3 = {(long)width * height * 3}");

    public static SegmentationException ImageTooLarge(int width, int height, InferenceOptions o, string field) => Invalid(
        ErrorReason.ImageTooLarge,
        field,
        $"image is {width}x{height} ({(long)width * height} pixels); the limit is {o.MaxImagePixels} pixels " +
        $"(Inference:MaxImagePixels) and {o.MaxImageSide} per side (Inference:MaxImageSide)");

    /// <summary>The decoder's message is written for callers (no input bytes, no library text); its inner exception is for the logs.</summary>
    public static SegmentationException BadImage(ImageException ex, string field, InferenceOptions o) => ex.Kind switch
    {
        ImageErrorKind.TooLarge => ImageTooLarge(ex.Width, ex.Height, o, field),
        ImageErrorKind.UnsupportedFormat => Invalid(ErrorReason.ImageUnsupportedFormat, field, $"{field}: {ex.Message}", ex),
        ImageErrorKind.ZeroSize => Invalid(ErrorReason.ImageInvalidSize, field, $"{field}: {ex.Message}", ex),
        _ => Invalid(ErrorReason.ImageCorrupt, field, $"{field}: {ex.Message}", ex),
    };

    public static SegmentationException UnknownModel(string name, IEnumerable<string> served) => new(
        SegmentationErrorKind.NotFound, ErrorReason.ModelNotFound, $"model '{name}' is not served; served models: [{string.Join(", ", served)}]", "options.model")
    {
        ResourceName = name,
    };

    public static SegmentationException UnknownMode(int value) => Invalid(
        ErrorReason.OptionInvalid, "options.mode", $"options.mode is {value}; it must be one of RENDER_MODE_COARSE, RENDER_MODE_POINTREND, RENDER_MODE_DENSE");

    public static SegmentationException OutOfRange(string field, long value, long min, long max, string limitSource) => Invalid(
        ErrorReason.OptionInvalid, field, $"{field} is {value}; it must be 0 (model default) or {min}..{max} ({limitSource})");

    public static SegmentationException NegativeMaxGap(float value) => Invalid(
        ErrorReason.OptionInvalid, "options.max_gap", $"options.max_gap is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it must be 0 (model default), positive, or +Infinity (no bound)");

    public static SegmentationException NegativeOutput(string field, int value) => Invalid(
        ErrorReason.OptionInvalid, field, $"{field} is {value}; it must be 0 (input size) or positive");

    public static SegmentationException OutputTooLarge(int width, int height, InferenceOptions o) => Invalid(
        ErrorReason.OutputTooLarge,
        "options.output_width",
        $"output is {width}x{height} ({(long)width * height} pixels); the limit is {o.MaxOutputPixels} pixels (Inference:MaxOutputPixels)");

    /// <summary>An option, output or call the model's task does not take (ErrorReason.TASK_MISMATCH).</summary>
    public static SegmentationException TaskMismatch(string field, string message) => Invalid(ErrorReason.TaskMismatch, field, message);

    public static SegmentationException InstanceOption(string field, string message) => Invalid(ErrorReason.OptionInvalid, field, message);

    public static SegmentationException Cancelled() => new(SegmentationErrorKind.Cancelled, ErrorReason.Cancelled, "the request was cancelled");

    /// <summary>Nothing of the exception goes to the caller: its type and text are the server's business (logged by the caller of this).</summary>
    public static SegmentationException Internal(string correlationId, Exception ex) => new(
        SegmentationErrorKind.Internal,
        ErrorReason.Internal,
        correlationId.Length == 0
            ? "the server failed to process the request; its logs have the detail"
            : $"the server failed to process request '{correlationId}'; its logs have the detail under that correlation id",
        inner: ex);

    private static SegmentationException Invalid(ErrorReason reason, string field, string message, Exception? inner = null) =>
        new(SegmentationErrorKind.InvalidArgument, reason, message, field, inner);
}
