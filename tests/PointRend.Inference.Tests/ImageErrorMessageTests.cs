using System.Buffers.Binary;
using System.Globalization;
using PointRend.Imaging;

namespace PointRend.Inference.Tests;

/// <summary>Each way an image can be broken, refused with the right kind and a message a caller can act on.</summary>
public sealed class ImageErrorMessageTests
{
    private static readonly ImageLimits Limits = new(4096L * 4096, 8192);

    [Fact]
    public void Png_CutInsideIdat_TruncatedWithByteCounts()
    {
        var png = ImageSamples.CamVidPng();
        var cut = png.Length / 2;
        var chunk = ImageSamples.Chunks(png).Last(c => c.Offset < cut);

        var ex = Refused(png[..cut], ImageErrorKind.Truncated);

        Assert.Equal(
            $"PNG is truncated: data ends after {N(cut)} of {N(chunk.Offset + 12 + chunk.Length)} expected bytes, inside chunk IDAT at byte {N(chunk.Offset)}",
            ex.Message);
    }

    [Fact]
    public void Png_CutBeforeIend_TruncatedNamingIend()
    {
        var png = ImageSamples.CamVidPng();

        var ex = Refused(png[..ImageSamples.Chunk(png, "IEND").Offset], ImageErrorKind.Truncated);

        Assert.Contains("without an IEND chunk", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_FlippedIdatByte_BadCrcNamingChunkAndOffset()
    {
        var png = ImageSamples.CamVidPng();
        var idat = ImageSamples.Chunks(png).Where(c => c.Type == "IDAT").ElementAt(2);
        png[idat.Offset + 100] ^= 0x10;

        var ex = Refused(png, ImageErrorKind.Corrupt);

        Assert.Equal($"PNG chunk IDAT at byte {N(idat.Offset)} has a bad CRC; the file was altered or damaged", ex.Message);
    }

    [Fact]
    public void Png_AncillaryChunkWithBadCrc_StillDecodes()
    {
        // libpng's default: ancillary chunks are not needed for the pixels, so their CRC is not checked.
        var png = ImageSamples.CamVidPng();
        var text = "Comment\0bad crc below"u8.ToArray();
        using var withText = new MemoryStream();
        withText.Write(png.AsSpan(0, 33));
        ImageSamples.WriteChunk(withText, "tEXt", text);
        withText.Write(png.AsSpan(33));
        var bytes = withText.ToArray();
        bytes[33 + 8 + text.Length] ^= 0xFF; // first byte of tEXt's CRC

        Assert.Equal(480 * 360 * 3, ImageDecoder.DecodeRgb8(bytes, Limits).Pixels.Length);
    }

    [Fact]
    public void Png_BadZlibHeaderBehindGoodCrc_CorruptZlibWithInnerException()
    {
        var png = ImageSamples.CamVidPng();
        var idat = ImageSamples.Chunk(png, "IDAT");
        png[idat.Offset + 8] = 0x00; // zlib CMF: compression method 0 does not exist
        ImageSamples.FixCrc(png, idat.Offset);

        var ex = Refused(png, ImageErrorKind.Corrupt);

        Assert.Equal("PNG is corrupt: the zlib stream in its IDAT chunks does not inflate", ex.Message);
        Assert.NotNull(ex.InnerException); // the zlib library's own reason, for logs only
    }

    [Fact]
    public void Png_ZlibStreamShorterThanImage_TruncatedWithPixelByteCounts()
    {
        var png = ImageSamples.PngWithPixelData(ImageSamples.CamVidPng(), new byte[1000]);

        var ex = Refused(png, ImageErrorKind.Truncated);

        // 360 rows of 1 filter byte + 480 x 3 bytes.
        Assert.Equal("PNG is truncated: the pixel data in IDAT ends after 1,000 of 518,760 expected bytes", ex.Message);
    }

    [Fact]
    public void Png_RowWithUnknownFilter_CorruptNamingRow()
    {
        var raw = new byte[360 * 1441];
        raw[5 * 1441] = 9;

        var ex = Refused(ImageSamples.PngWithPixelData(ImageSamples.CamVidPng(), raw), ImageErrorKind.Corrupt);

        Assert.Equal("PNG is corrupt: row 5 has filter type 9; the valid types are 0 to 4", ex.Message);
    }

    [Fact]
    public void Png_ChunkLengthBeyondFormatLimit_Corrupt()
    {
        var png = ImageSamples.CamVidPng();
        var idat = ImageSamples.Chunk(png, "IDAT");
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(idat.Offset), 0xFFFF_FFF0);

        var ex = Refused(png, ImageErrorKind.Corrupt);

        Assert.Equal($"PNG chunk IDAT at byte {N(idat.Offset)} declares 4,294,967,280 bytes; a chunk holds at most 2,147,483,647", ex.Message);
    }

    [Fact]
    public void Png_ChunkTypeOfControlBytes_CorruptWithoutEchoingThem()
    {
        var png = ImageSamples.CamVidPng();
        var idat = ImageSamples.Chunk(png, "IDAT");
        png.AsSpan(idat.Offset + 4, 4).Clear();

        var ex = Refused(png, ImageErrorKind.Corrupt);

        Assert.Equal($"PNG chunk at byte {N(idat.Offset)} has an invalid type (not four ASCII letters); the chunk layout is corrupt", ex.Message);
    }

    [Fact]
    public void Png_BitDepthSevenBehindGoodCrc_CorruptHeader()
    {
        var png = ImageSamples.CamVidPng();
        png[24] = 7;
        ImageSamples.FixCrc(png, 8);

        var ex = Refused(png, ImageErrorKind.Corrupt);

        Assert.Equal("PNG header (IHDR) is invalid: bit depth 7 with colour type 2; this colour type allows bit depths 8, 16", ex.Message);
    }

    [Fact]
    public void Png_PaletteImageWithoutPlte_CorruptFromStbInOurWords()
    {
        var png = ImageSamples.PalettePng();
        Assert.Equal(96 * 64 * 3, ImageDecoder.DecodeRgb8(png, Limits).Pixels.Length); // stb's path decodes the original
        var plte = ImageSamples.Chunk(png, "PLTE");
        var withoutPlte = png[..plte.Offset].Concat(png[(plte.Offset + 12 + plte.Length)..]).ToArray();

        var ex = Refused(withoutPlte, ImageErrorKind.Corrupt);

        Assert.Equal("PNG is corrupt: its palette (PLTE) or transparency (tRNS) chunk is missing or invalid", ex.Message);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void Gif_UnsupportedNamingWhatItLooksLike()
    {
        var ex = Refused("GIF89a\x01\x00\x01\x00"u8.ToArray(), ImageErrorKind.UnsupportedFormat);

        Assert.Equal("image is neither PNG nor JPEG (it looks like GIF; first bytes 4749463839610100)", ex.Message);
    }

    [Fact]
    public void Jpeg_CutInsideScanData_TruncatedBeforeEoi()
    {
        var jpeg = ImageSamples.CamVidJpeg();
        var cut = jpeg.Length * 7 / 10;

        var ex = Refused(jpeg[..cut], ImageErrorKind.Truncated);

        Assert.Equal($"JPEG is truncated: data ends after {N(cut)} bytes, inside scan 1, before the end-of-image marker (FFD9)", ex.Message);
    }

    [Fact]
    public void Jpeg_CutInsideHuffmanTable_TruncatedNamingSegment()
    {
        var jpeg = ImageSamples.CamVidJpeg();
        var (dht, _) = ImageSamples.JpegSegments(jpeg).First(s => s.Marker == 0xC4);
        var end = dht + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(dht + 2));

        var ex = Refused(jpeg[..(dht + 10)], ImageErrorKind.Truncated);

        Assert.Equal($"JPEG is truncated: data ends after {N(dht + 10)} of {N(end)} expected bytes, inside the DHT segment at byte {N(dht)}", ex.Message);
    }

    [Fact]
    public void Jpeg_LosslessFrame_UnsupportedNamingCoding()
    {
        var jpeg = ImageSamples.CamVidJpeg();
        var (sof, _) = ImageSamples.JpegSegments(jpeg).First(s => s.Marker == 0xC0);
        jpeg[sof + 1] = 0xC3;

        var ex = Refused(jpeg, ImageErrorKind.UnsupportedFormat);

        Assert.Equal("JPEG uses lossless coding (SOF3); only baseline and progressive Huffman-coded JPEGs are accepted", ex.Message);
    }

    [Fact]
    public void Jpeg_TwelveBitSamples_Unsupported()
    {
        var jpeg = ImageSamples.CamVidJpeg();
        var (sof, _) = ImageSamples.JpegSegments(jpeg).First(s => s.Marker == 0xC0);
        jpeg[sof + 4] = 12;

        var ex = Refused(jpeg, ImageErrorKind.UnsupportedFormat);

        Assert.Equal("JPEG has 12-bit samples; only 8-bit JPEGs are accepted", ex.Message);
    }

    [Fact]
    public void Jpeg_ProgressiveDecodesAndEveryPrefixIsTruncated()
    {
        var jpeg = ImageSamples.ProgressiveJpeg();

        var image = ImageDecoder.DecodeRgb8(jpeg, Limits);

        Assert.Equal((96, 64), (image.Width, image.Height));
        Assert.Equal(10, jpeg.AsSpan().Count([(byte)0xFF, (byte)0xDA])); // really several scans
        for (var cut = 1; cut < jpeg.Length; cut++)
        {
            var ex = Assert.Throws<ImageException>(() => ImageDecoder.DecodeRgb8(jpeg[..cut], Limits));
            Assert.True(ex.Kind == ImageErrorKind.Truncated, $"cut at {cut}: {ex.Kind}: {ex.Message}");
        }
    }

    [Fact]
    public void Jpeg_BytesAfterEoi_StillDecode()
    {
        // Some cameras append data after FFD9; the image itself is complete.
        var jpeg = ImageSamples.CamVidJpeg().Concat(new byte[] { 0, 1, 2, 0xFF, 0xD8 }).ToArray();

        Assert.Equal(480 * 360 * 3, ImageDecoder.DecodeRgb8(jpeg, Limits).Pixels.Length);
    }

    private static ImageException Refused(byte[] bytes, ImageErrorKind kind)
    {
        var ex = Assert.Throws<ImageException>(() => ImageDecoder.DecodeRgb8(bytes, Limits));
        Assert.True(ex.Kind == kind, $"expected {kind}, got {ex.Kind}: {ex.Message}");
        return ex;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
