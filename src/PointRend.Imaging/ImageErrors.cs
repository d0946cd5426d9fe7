using System.Globalization;

namespace PointRend.Imaging;

/// <summary>
/// Every <see cref="ImageException"/> the probe and decoders throw, built here so each message says what is wrong
/// and where (byte offsets, counts, chunk or segment names) in words a caller can act on. Messages never contain raw
/// input bytes (a PNG chunk type only when it is four ASCII letters; an unknown format's first bytes only in hex), nor
/// a decoder's or .NET's own text: that goes to InnerException, for logs.
/// </summary>
internal static class ImageErrors
{
    // Signature and dimensions.
    public static ImageException SignatureTruncated(int length) =>
        Truncated($"image is truncated: {N(length)} bytes end inside the signature");

    public static ImageException NeitherPngNorJpeg(ReadOnlySpan<byte> bytes) => new(
        ImageErrorKind.UnsupportedFormat,
        $"image is neither PNG nor JPEG ({LooksLike(bytes)}first bytes {Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)])})");

    public static ImageException ZeroSize(int width, int height) =>
        new(ImageErrorKind.ZeroSize, $"image is {width}x{height}; width and height must be positive", width, height);

    public static ImageException TooLarge(int width, int height, ImageLimits limits) => new(
        ImageErrorKind.TooLarge,
        $"image is {width}x{height} ({(long)width * height} pixels); the limit is {limits.MaxPixels} pixels and {limits.MaxSide} per side",
        width,
        height);

    public static ImageException SizeMismatch(ImageHeader header, int width, int height) => Corrupt(
        $"{Name(header.Format)} is corrupt: the header says {header.Width}x{header.Height} but the data decodes to {width}x{height}");

    // PNG structure (PngChunks, PngFastPath).
    public static ImageException PngHeaderTruncated(int length) =>
        Truncated($"PNG is truncated: data ends after {N(length)} bytes; the IHDR chunk needs 33");

    public static ImageException PngFirstChunkNotIhdr() => Corrupt("PNG is corrupt: the first chunk is not a 13-byte IHDR");

    public static ImageException PngEndsInChunk(int length, long needed, ReadOnlySpan<byte> type, int offset) =>
        Truncated($"PNG is truncated: data ends after {N(length)} of {N(needed)} expected bytes, inside {Chunk(type, offset)}");

    public static ImageException PngEndsInChunkHeader(int length, int offset) =>
        Truncated($"PNG is truncated: data ends after {N(length)} bytes, inside the header of the chunk at byte {N(offset)}");

    public static ImageException PngNoIend(int length) =>
        Truncated($"PNG is truncated: data ends after {N(length)} bytes without an IEND chunk");

    public static ImageException PngBadChunkType(int offset) =>
        Corrupt($"PNG chunk at byte {N(offset)} has an invalid type (not four ASCII letters); the chunk layout is corrupt");

    public static ImageException PngChunkTooLong(ReadOnlySpan<byte> type, int offset, uint length) =>
        Corrupt($"PNG {Chunk(type, offset)} declares {N(length)} bytes; a chunk holds at most {N(int.MaxValue)}");

    public static ImageException PngBadCrc(ReadOnlySpan<byte> type, int offset) =>
        Corrupt($"PNG {Chunk(type, offset)} has a bad CRC; the file was altered or damaged");

    public static ImageException PngUnknownCritical(ReadOnlySpan<byte> type, int offset) => new(
        ImageErrorKind.UnsupportedFormat,
        $"PNG {Chunk(type, offset)} is marked critical but is not a standard PNG chunk, so the image cannot be decoded");

    public static ImageException PngSecondIhdr(int offset) => Corrupt($"PNG is corrupt: a second IHDR chunk at byte {N(offset)}");

    public static ImageException PngBadColourType(int colourType) =>
        Corrupt($"PNG header (IHDR) is invalid: colour type {colourType}; valid types are 0, 2, 3, 4, 6");

    public static ImageException PngBadBitDepth(int bitDepth, int colourType) => Corrupt(
        $"PNG header (IHDR) is invalid: bit depth {bitDepth} with colour type {colourType}; this colour type allows bit depths " +
        colourType switch { 0 => "1, 2, 4, 8, 16", 3 => "1, 2, 4, 8", _ => "8, 16" });

    public static ImageException PngBadMethod(string field, int value, string allowed) =>
        Corrupt($"PNG header (IHDR) is invalid: {field} {value}; it must be {allowed}");

    public static ImageException PngNoIdat() => Corrupt("PNG is corrupt: it has no IDAT chunk (no pixel data)");

    public static ImageException PngZlibCorrupt(Exception? inner = null) =>
        Corrupt("PNG is corrupt: the zlib stream in its IDAT chunks does not inflate", inner);

    public static ImageException PngPixelDataShort(long got, long expected) =>
        Truncated($"PNG is truncated: the pixel data in IDAT ends after {N(got)} of {N(expected)} expected bytes");

    public static ImageException PngBadFilter(int row, int filter) =>
        Corrupt($"PNG is corrupt: row {N(row)} has filter type {filter}; the valid types are 0 to 4");

    public static ImageException PngPalette(Exception inner) =>
        Corrupt("PNG is corrupt: its palette (PLTE) or transparency (tRNS) chunk is missing or invalid", inner);

    // JPEG structure (ImageProbe, JpegMarkers).
    public static ImageException JpegNoFrameYet(int length) =>
        Truncated($"JPEG is truncated: data ends after {N(length)} bytes, before the frame header (SOFn)");

    public static ImageException JpegEndsInSegment(int length, long needed, byte marker, int offset) =>
        Truncated($"JPEG is truncated: data ends after {N(length)} of {N(needed)} expected bytes, inside the {JpegMarkers.Name(marker)} segment at byte {N(offset)}");

    public static ImageException JpegNoEoi(int length, int scans) => Truncated(scans == 0
        ? $"JPEG is truncated: data ends after {N(length)} bytes, before the first scan and the end-of-image marker (FFD9)"
        : $"JPEG is truncated: data ends after {N(length)} bytes, inside scan {scans}, before the end-of-image marker (FFD9)");

    public static ImageException JpegExpectedMarker(int offset) => Corrupt($"JPEG is corrupt: expected a marker at byte {N(offset)}");

    public static ImageException JpegBadSegmentLength(byte marker, int offset, int length, int minimum) =>
        Corrupt($"JPEG is corrupt: the {JpegMarkers.Name(marker)} segment at byte {N(offset)} has length {length}; the minimum is {minimum}");

    public static ImageException JpegNoFrame() => Corrupt("JPEG is corrupt: no frame header (SOFn) before the scan");

    public static ImageException JpegNoScan() => Corrupt("JPEG is corrupt: no scan (SOS) before the end-of-image marker");

    public static ImageException JpegSecondSoi(int offset) => Corrupt($"JPEG is corrupt: a second start-of-image marker at byte {N(offset)}");

    public static ImageException JpegUnsupportedCoding(string coding, byte marker) => new(
        ImageErrorKind.UnsupportedFormat,
        $"JPEG uses {coding} coding (SOF{marker - 0xC0}); only baseline and progressive Huffman-coded JPEGs are accepted");

    public static ImageException JpegPrecision(int bits) =>
        new(ImageErrorKind.UnsupportedFormat, $"JPEG has {bits}-bit samples; only 8-bit JPEGs are accepted");

    /// <summary>Whatever the decoder threw after our own checks passed, in our words; its text stays in InnerException.</summary>
    public static ImageException FromDecoder(ImageFormat format, Exception inner) => format == ImageFormat.Png
        ? StbReason(inner) switch
        {
            "outofdata" or "not enough pixels" or "unexpected end" => Truncated("PNG is truncated: its pixel data ends before the image is complete", inner),
            "zlib corrupt" or "bad zlib header" or "bad huffman code" or "bad dist" or "bad codelengths" or "bad sizes"
                or "read past buffer" or "no preset dict" or "output buffer limit" => PngZlibCorrupt(inner),
            "invalid filter" => Corrupt("PNG is corrupt: a row of its pixel data has an unknown filter type (valid types are 0 to 4)", inner),
            "invalid PLTE" or "no PLTE" or "tRNS after IDAT" or "tRNS before PLTE" or "bad tRNS len" or "tRNS with alpha" => PngPalette(inner),
            _ => Corrupt("PNG is corrupt: its pixel data could not be decoded", inner),
        }
        : StbReason(inner) switch
        {
            "bad DHT header" or "bad code lengths" or "bad size list" => Corrupt("JPEG is corrupt: a Huffman table (DHT) is invalid", inner),
            "bad DQT type" or "bad DQT table" => Corrupt("JPEG is corrupt: a quantisation table (DQT) is invalid", inner),
            "bad SOF len" or "bad H" or "bad V" or "bad TQ" or "bad component count" or "no header height" or "0 width" or "only 8-bit" =>
                Corrupt("JPEG is corrupt: its frame header (SOFn) is invalid", inner),
            "bad SOS component count" or "bad SOS len" or "bad DC huff" or "bad AC huff" or "bad SOS" =>
                Corrupt("JPEG is corrupt: a scan header (SOS) is invalid", inner),
            "bad DRI len" or "bad DNL len" or "bad DNL height" => Corrupt("JPEG is corrupt: its restart interval (DRI) or line count (DNL) is invalid", inner),
            "bad huffman code" or "bad delta" or "can't merge dc and ac" or "expected marker" =>
                Corrupt("JPEG is corrupt: its entropy-coded scan data does not decode", inner),
            _ => Corrupt("JPEG is corrupt: its data could not be decoded", inner),
        };

    /// <summary>stb's reason is a short fixed string (ImageResult throws it as an InvalidOperationException's message);
    /// other exceptions (IndexOutOfRange, ...) match no entry and get the generic message.</summary>
    private static string StbReason(Exception ex) => ex.Message;

    private static string LooksLike(ReadOnlySpan<byte> b) =>
        b.StartsWith("GIF8"u8) ? "it looks like GIF; "
        : b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8) ? "it looks like WebP; "
        : b.StartsWith("BM"u8) ? "it looks like BMP; "
        : b.StartsWith("II*\0"u8) || b.StartsWith("MM\0*"u8) ? "it looks like TIFF; "
        : b.Length >= 12 && b[4..8].SequenceEqual("ftyp"u8) ? "it looks like HEIF, AVIF or MP4; "
        : string.Empty;

    /// <summary>"chunk IDAT at byte 1,234"; a type that is not four ASCII letters is not echoed.</summary>
    private static string Chunk(ReadOnlySpan<byte> type, int offset) => PngChunks.IsValidType(type)
        ? $"chunk {System.Text.Encoding.ASCII.GetString(type)} at byte {N(offset)}"
        : $"chunk at byte {N(offset)}";

    private static string Name(ImageFormat format) => format == ImageFormat.Png ? "PNG" : "JPEG";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static ImageException Truncated(string message, Exception? inner = null) => new(ImageErrorKind.Truncated, message, inner: inner);

    private static ImageException Corrupt(string message, Exception? inner = null) => new(ImageErrorKind.Corrupt, message, inner: inner);
}
