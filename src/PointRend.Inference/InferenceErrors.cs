using PointRend.Contracts;
using PointRend.Imaging;

namespace PointRend.Inference;

/// <summary>
/// Every request error the pipeline raises, built here so each message names the field, the value seen and
/// the limit with where it comes from (option key or model.json entry). The gateway maps Kind to a status.
/// </summary>
internal static class InferenceErrors
{
    public static SegmentationException NoImage() => Invalid(
        "image", "image is empty: set image.encoded (PNG or JPEG bytes) or image.raw (RGB8 pixels)");

    public static SegmentationException RawSize(int width, int height, string field) => Invalid(
        field, $"image.raw is {width}x{height}; width and height must be positive");

    public static SegmentationException RawLength(int length, int width, int height) => Invalid(
        "image.raw.rgb", $"image.raw.rgb has {length} bytes; {width}x{height} RGB8 needs width*height*3 = {(long)width * height * 3}");

    public static SegmentationException ImageTooLarge(int width, int height, InferenceOptions o, string field) => Invalid(
        field,
        $"image is {width}x{height} ({(long)width * height} pixels); the limit is {o.MaxImagePixels} pixels " +
        $"(Inference:MaxImagePixels) and {o.MaxImageSide} per side (Inference:MaxImageSide)");

    public static SegmentationException BadImage(ImageException ex, string field) => Invalid(field, $"{field}: {ex.Message}", ex);

    public static SegmentationException UnknownModel(string name, IEnumerable<string> served) => new(
        SegmentationErrorKind.NotFound, $"model '{name}' is not served; served models: [{string.Join(", ", served)}]", "options.model");

    public static SegmentationException UnknownMode(int value) => Invalid(
        "options.mode", $"options.mode is {value}; it must be one of RENDER_MODE_COARSE, RENDER_MODE_POINTREND, RENDER_MODE_DENSE");

    public static SegmentationException OutOfRange(string field, long value, long min, long max, string limitSource) => Invalid(
        field, $"{field} is {value}; it must be 0 (model default) or {min}..{max} ({limitSource})");

    public static SegmentationException NegativeOutput(string field, int value) => Invalid(
        field, $"{field} is {value}; it must be 0 (input size) or positive");

    public static SegmentationException OutputTooLarge(int width, int height, InferenceOptions o) => Invalid(
        "options.output_width",
        $"output is {width}x{height} ({(long)width * height} pixels); the limit is {o.MaxOutputPixels} pixels (Inference:MaxOutputPixels)");

    public static SegmentationException Cancelled() => new(SegmentationErrorKind.Cancelled, "the request was cancelled");

    public static SegmentationException Internal(string requestId, Exception ex) => new(
        SegmentationErrorKind.Internal, $"request '{requestId}' failed: {ex.GetType().Name}: {ex.Message}", inner: ex);

    private static SegmentationException Invalid(string field, string message, Exception? inner = null) =>
        new(SegmentationErrorKind.InvalidArgument, message, field, inner);
}
