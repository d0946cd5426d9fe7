namespace PointRend.Imaging;

/// <summary>Why an image was refused.</summary>
public enum ImageErrorKind
{
    /// <summary>Neither a PNG nor a JPEG signature, or a variant the decoders cannot read (lossless, arithmetic-coded or
    /// 12-bit JPEG; a PNG with a non-standard critical chunk).</summary>
    UnsupportedFormat,
    /// <summary>The bytes end before the header or the pixel data is complete.</summary>
    Truncated,
    /// <summary>The header or the compressed data is malformed.</summary>
    Corrupt,
    /// <summary>Width or height is zero (or negative).</summary>
    ZeroSize,
    /// <summary>Width, height or pixel count exceeds <see cref="ImageLimits"/>.</summary>
    TooLarge,
}

/// <summary>
/// An image that cannot be accepted, with a message built by <c>ImageErrors</c>; <see cref="Width"/>/<see cref="Height"/>
/// are set for <see cref="ImageErrorKind.ZeroSize"/> and <see cref="ImageErrorKind.TooLarge"/>. A decoder's own exception,
/// if one caused this, is the InnerException: for logs, never for callers.
/// </summary>
public sealed class ImageException(ImageErrorKind kind, string message, int width = 0, int height = 0, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageErrorKind Kind { get; } = kind;

    public int Width { get; } = width;

    public int Height { get; } = height;
}

/// <summary>Size limits checked against the header before any pixel is decoded.</summary>
/// <param name="MaxPixels">Largest width x height accepted.</param>
/// <param name="MaxSide">Largest width or height accepted.</param>
public readonly record struct ImageLimits(long MaxPixels, int MaxSide)
{
    /// <summary>Throws <see cref="ImageException"/> for zero or oversized dimensions.</summary>
    public void Check(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw ImageErrors.ZeroSize(width, height);
        }

        if (width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
        {
            throw ImageErrors.TooLarge(width, height, this);
        }
    }
}
