using System.Buffers.Binary;

namespace PointRend.Imaging;

public enum ImageFormat
{
    Png,
    Jpeg,
}

public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height);

/// <summary>
/// Reads dimensions from the header bytes only. A forged header can claim 100000x100000 in a
/// 60-byte file; the decoder would then allocate 30 GB before noticing, so every size check runs here first.
/// </summary>
public static class ImageProbe
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <exception cref="ImageException">Unknown format, truncated or malformed header.</exception>
    public static ImageHeader Probe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 8 && bytes[..8].SequenceEqual(PngSignature))
        {
            return ProbePng(bytes);
        }

        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return ProbeJpeg(bytes);
        }

        if (bytes.Length > 0 && (PngSignature.StartsWith(bytes) || (bytes.Length < 3 && bytes[0] == 0xFF && (bytes.Length == 1 || bytes[1] == 0xD8))))
        {
            throw ImageErrors.SignatureTruncated(bytes.Length);
        }

        throw ImageErrors.NeitherPngNorJpeg(bytes);
    }

    /// <summary>Probes, then checks the dimensions against <paramref name="limits"/>.</summary>
    public static ImageHeader ProbeAndCheck(ReadOnlySpan<byte> bytes, ImageLimits limits)
    {
        var header = Probe(bytes);
        limits.Check(header.Width, header.Height);
        return header;
    }

    private static ImageHeader ProbePng(ReadOnlySpan<byte> bytes)
    {
        // Signature (8), chunk length (4), "IHDR" (4), width (4), height (4): IHDR must be the first chunk.
        if (bytes.Length < 33)
        {
            throw ImageErrors.PngHeaderTruncated(bytes.Length);
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
        if (length != 13 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw ImageErrors.PngFirstChunkNotIhdr();
        }

        // PNG stores unsigned 31-bit sizes; anything above int.MaxValue is malformed anyway.
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes[16..]);
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes[20..]);
        return new ImageHeader(ImageFormat.Png, width, height);
    }

    private static ImageHeader ProbeJpeg(ReadOnlySpan<byte> bytes)
    {
        var i = 2;
        while (true)
        {
            // Markers may be preceded by any number of 0xFF fill bytes.
            if (i >= bytes.Length)
            {
                break;
            }

            if (bytes[i] != 0xFF)
            {
                throw ImageErrors.JpegExpectedMarker(i);
            }

            while (i < bytes.Length && bytes[i] == 0xFF)
            {
                i++;
            }

            if (i >= bytes.Length)
            {
                break;
            }

            var marker = bytes[i++];
            if (marker == 0xD9 || marker == 0xDA)
            {
                throw ImageErrors.JpegNoFrame();
            }

            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                continue; // stand-alone markers carry no length
            }

            if (i + 2 > bytes.Length)
            {
                break;
            }

            int segmentLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
            if (segmentLength < 2)
            {
                throw ImageErrors.JpegBadSegmentLength(marker, i - 2, segmentLength, 2);
            }

            if (JpegMarkers.IsFrame(marker) && segmentLength < 8)
            {
                throw ImageErrors.JpegBadSegmentLength(marker, i - 2, segmentLength, 8);
            }

            if (i + segmentLength > bytes.Length)
            {
                throw ImageErrors.JpegEndsInSegment(bytes.Length, i + segmentLength, marker, i - 2);
            }

            if (JpegMarkers.IsFrame(marker))
            {
                int height = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 3)..]);
                int width = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 5)..]);
                return new ImageHeader(ImageFormat.Jpeg, width, height);
            }

            i += segmentLength;
        }

        throw ImageErrors.JpegNoFrameYet(bytes.Length);
    }
}
