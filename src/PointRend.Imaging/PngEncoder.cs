using StbImageWriteSharp;

namespace PointRend.Imaging;

/// <summary>8-bit PNG encoding. Returns the stream's own buffer (no final copy); the caller copies it once into its message.</summary>
public static class PngEncoder
{
    public static ReadOnlyMemory<byte> EncodeGrey(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, 1, ColorComponents.Grey);

    public static ReadOnlyMemory<byte> EncodeRgb(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, 3, ColorComponents.RedGreenBlue);

    private static unsafe ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, ColorComponents components)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != width * height * channels)
        {
            throw new ArgumentException($"expected {width * height * channels} bytes for {width}x{height}x{channels}, got {pixels.Length}", nameof(pixels));
        }

        using var stream = new MemoryStream(capacity: (width * height * channels / 4) + 1024);

        // ImageWriter keeps per-call state, so one per call keeps concurrent encodes independent.
        var writer = new ImageWriter();
        fixed (byte* data = pixels)
        {
            writer.WritePng(data, width, height, components, stream);
        }

        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }
}
