using System.Buffers.Binary;
using PointRend.Imaging;
using StbImageWriteSharp;

namespace PointRend.Inference.Tests;

public sealed class ImagingTests
{
    private static readonly ImageLimits Limits = new(4096L * 4096, 8192);

    [Fact]
    public void Probe_CamVidPng_ReadsIhdr()
    {
        var header = ImageProbe.Probe(File.ReadAllBytes(ModelFixture.SamplePath));

        Assert.Equal(new ImageHeader(ImageFormat.Png, 480, 360), header);
    }

    [Fact]
    public void Probe_Jpeg_ReadsSofDimensions()
    {
        var jpeg = EncodeJpeg(37, 23);

        var header = ImageProbe.Probe(jpeg);

        Assert.Equal(new ImageHeader(ImageFormat.Jpeg, 37, 23), header);
        var decoded = ImageDecoder.DecodeRgb8(jpeg, Limits);
        Assert.Equal(37 * 23 * 3, decoded.Pixels.Length);
    }

    [Fact]
    public void Decode_ForgedGiantHeader_RefusedBeforeDecoding()
    {
        var png = File.ReadAllBytes(ModelFixture.SamplePath)[..64];
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 100_000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 100_000);

        var ex = Assert.Throws<ImageException>(() => ImageDecoder.DecodeRgb8(png, Limits));

        Assert.Equal(ImageErrorKind.TooLarge, ex.Kind);
        Assert.Contains("100000x100000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(40)]
    [InlineData(5000)]
    public void Decode_TruncatedPng_Refused(int length)
    {
        var png = File.ReadAllBytes(ModelFixture.SamplePath)[..length];

        var ex = Assert.Throws<ImageException>(() => ImageDecoder.DecodeRgb8(png, Limits));

        Assert.Equal(ImageErrorKind.Truncated, ex.Kind);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal); // the gateway's tests look for this word
    }

    [Fact]
    public void Probe_TruncatedJpeg_Refused()
    {
        var ex = Assert.Throws<ImageException>(() => ImageProbe.Probe(EncodeJpeg(8, 8)[..6]));

        Assert.Equal(ImageErrorKind.Truncated, ex.Kind);
    }

    [Fact]
    public void PngEncoder_GreyRoundTrips()
    {
        byte[] labels = [0, 1, 2, 3, 4, 5];

        var png = PngEncoder.EncodeGrey(labels, 3, 2).ToArray();

        var decoded = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.Grey);
        Assert.Equal(labels, decoded.Data);
    }

    [Fact]
    public void PngEncoder_CamVidFrameRoundTripsAsRgbAndEachChannelAsGrey()
    {
        // A real photograph exercises every row filter; decoding uses stb, independent of the encoder.
        var frame = ImageDecoder.DecodeRgb8(File.ReadAllBytes(PointRend.Testing.TestPaths.SampleImage), new ImageLimits(1 << 24, 1 << 14));
        var red = Enumerable.Range(0, frame.Width * frame.Height).Select(i => frame.Pixels[3 * i]).ToArray();

        var rgb = StbImageSharp.ImageResult.FromMemory(PngEncoder.EncodeRgb(frame.Pixels, frame.Width, frame.Height).ToArray(), StbImageSharp.ColorComponents.RedGreenBlue);
        var grey = StbImageSharp.ImageResult.FromMemory(PngEncoder.EncodeGrey(red, frame.Width, frame.Height).ToArray(), StbImageSharp.ColorComponents.Grey);

        Assert.Equal((frame.Width, frame.Height), (rgb.Width, rgb.Height));
        Assert.True(frame.Pixels.AsSpan().SequenceEqual(rgb.Data), "RGB pixels differ after a round trip");
        Assert.True(red.AsSpan().SequenceEqual(grey.Data), "grey pixels differ after a round trip");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PngEncoderOutput_PassesTheStrictChecksAndDecodes(bool rgb)
    {
        // Warm-up frames and callers' round trips go through the checks (CRCs, IEND) the encoder must satisfy.
        var pixels = Enumerable.Range(0, 40 * 30 * 3).Select(i => (byte)(i * 7)).ToArray();

        var png = rgb ? PngEncoder.EncodeRgb(pixels, 40, 30).ToArray() : PngEncoder.EncodeGrey(pixels.AsSpan(0, 1200), 40, 30).ToArray();
        var decoded = ImageDecoder.DecodeRgb8(png, new ImageLimits(1 << 24, 1 << 14));

        Assert.Equal(rgb ? pixels : pixels[..1200].SelectMany(p => new[] { p, p, p }).ToArray(), decoded.Pixels);
    }

    [Fact]
    public void PngEncoder_WrongPixelCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeRgb(new byte[10], 2, 2));
    }

    [Fact]
    public void DecodeRgb8_EveryCamVidValFrame_EqualsStb()
    {
        // The native-zlib fast path against StbImageSharp, pixel for pixel, on real camera frames.
        foreach (var path in PointRend.Testing.TestPaths.ValFrames(int.MaxValue))
        {
            var bytes = File.ReadAllBytes(path);
            var stb = StbImageSharp.ImageResult.FromMemory(bytes, StbImageSharp.ColorComponents.RedGreenBlue);
            var fast = PngFastPath.TryDecodeRgb8(bytes, PngChunks.Read(bytes));
            Assert.NotNull(fast);
            Assert.True(fast.AsSpan().SequenceEqual(stb.Data), $"{Path.GetFileName(path)} decodes differently");
            Assert.True(ImageDecoder.DecodeRgb8(bytes, new ImageLimits(1 << 24, 1 << 14)).Pixels.AsSpan().SequenceEqual(stb.Data));
        }
    }

    [Theory]
    [InlineData(ColorComponents.Grey)]
    [InlineData(ColorComponents.RedGreenBlue)]
    [InlineData(ColorComponents.RedGreenBlueAlpha)]
    public void DecodeRgb8_PngOfEachColourTypeFromAnotherEncoder_EqualsStb(ColorComponents components)
    {
        // stb's writer picks among all five row filters (Paeth included), so every unfilter path runs.
        var channels = components switch { ColorComponents.Grey => 1, ColorComponents.RedGreenBlue => 3, _ => 4 };
        var random = new Random(components.GetHashCode());
        var pixels = new byte[61 * 37 * channels];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i % 97) + random.Next(0, 40)); // gradients with noise: filters other than None win
        }

        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, 61, 37, components, stream);
        var png = stream.ToArray();

        var fast = PngFastPath.TryDecodeRgb8(png, PngChunks.Read(png));
        var stb = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlue);
        Assert.NotNull(fast);
        Assert.True(fast.AsSpan().SequenceEqual(stb.Data), "pixels differ from stb's");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Unfilter_EveryFilterAndRowWidth_RestoresTheRowItsSpecFilterMade(int bpp)
    {
        // Rows filtered here by the PNG specification's formulas: the vector paths read and write 3-byte pixels as 4
        // bytes and treat a missing row above as zeros, so every width from one pixel up and both cases are checked.
        var random = new Random(bpp);
        foreach (var width in new[] { 1, 2, 3, 4, 5, 6, 7, 9, 16, 33 })
        {
            var stride = width * bpp;
            for (byte filter = 0; filter <= 4; filter++)
            {
                foreach (var firstRow in new[] { true, false })
                {
                    var above = new byte[stride];
                    var original = new byte[stride + 1];
                    random.NextBytes(above);
                    random.NextBytes(original);
                    var filtered = new byte[stride + 1]; // one byte past the row: the next row's filter byte
                    filtered[stride] = original[stride];
                    var prior = firstRow ? new byte[stride] : above;
                    for (var i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? original[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
                        var predictor = filter switch
                        {
                            0 => 0,
                            1 => a,
                            2 => b,
                            3 => (a + b) / 2,
                            _ => SpecPaeth(a, b, c),
                        };
                        filtered[i] = (byte)(original[i] - predictor);
                    }

                    PngFastPath.Unfilter(filter, filtered.AsSpan(0, stride), firstRow ? [] : above, bpp);
                    Assert.True(filtered.AsSpan().SequenceEqual(original), $"filter {filter}, {width} px of {bpp} bytes, first row {firstRow}");
                }
            }
        }
    }

    [Theory]
    [InlineData(ColorComponents.Grey)]
    [InlineData(ColorComponents.RedGreenBlue)]
    [InlineData(ColorComponents.RedGreenBlueAlpha)]
    public void DecodeRgb8_PngOfManyInflateBands_EqualsStb(ColorComponents components)
    {
        // Rows are inflated in bands of about 256 KB: 700 px rows of RGBA make 92 rows a band, so the Up, Average and
        // Paeth rows that open a band read the last row of the band before.
        var channels = components switch { ColorComponents.Grey => 1, ColorComponents.RedGreenBlue => 3, _ => 4 };
        const int width = 700, height = 531;
        var random = new Random(7 + channels);
        var pixels = new byte[width * height * channels];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i % 251) + random.Next(0, 30));
        }

        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, components, stream);
        var png = stream.ToArray();

        var fast = ImageDecoder.DecodeRgb8(png, Limits);
        var stb = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlue);
        Assert.True(fast.Pixels.AsSpan().SequenceEqual(stb.Data), "pixels differ from stb's");
    }

    [Fact]
    public void DecodeRgb8_BigPng_AllocatesLittleBeyondItsRgbOutput()
    {
        // Issue 12: decoding used to inflate the whole filtered image into a pooled buffer (as large as the output,
        // rounded up to a power of two, and kept by the pool afterwards) after copying the IDAT data. Counted on this
        // thread only, so tests running beside it do not add to it; pooled rentals can only lower the count.
        const int width = 2000, height = 1500;
        var pixels = new byte[width * height * 3];
        var random = new Random(12);
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i / 3 % width) + random.Next(0, 20));
        }

        var png = PngEncoder.EncodeRgb(pixels, width, height).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = ImageDecoder.DecodeRgb8(png, Limits);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decoded.Pixels.AsSpan().SequenceEqual(pixels));
        var output = (long)width * height * 3;
        Assert.True(allocated < output + (1 << 20), $"decoding a {width}x{height} PNG allocated {allocated:N0} bytes; its RGB output is {output:N0}");
    }

    private static byte[] EncodeJpeg(int width, int height)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WriteJpg(new byte[width * height * 3], width, height, ColorComponents.RedGreenBlue, stream, 90);
        return stream.ToArray();
    }

    private static int SpecPaeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
