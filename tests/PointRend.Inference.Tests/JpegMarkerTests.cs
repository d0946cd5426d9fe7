using PointRend.Imaging;

namespace PointRend.Inference.Tests;

/// <summary>
/// The marker walk on hand-made JPEG structure (no decodable pixels needed): escaped FF00 bytes, restart markers and
/// fill bytes inside scan data are not the end of a scan; only EOI ends the file. None of the .NET or Python encoders
/// available here writes restart markers, hence hand-made bytes.
/// </summary>
public sealed class JpegMarkerTests
{
    private static readonly byte[] Soi = [0xFF, 0xD8];
    private static readonly byte[] Sof0 = [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00];
    private static readonly byte[] Sos = [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00];
    private static readonly byte[] ScanData = [0x12, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0xFF, 0xFF, 0xD1, 0x9A];
    private static readonly byte[] EmptyDht = [0xFF, 0xC4, 0x00, 0x02];
    private static readonly byte[] Eoi = [0xFF, 0xD9];

    [Fact]
    public void Check_EscapedBytesRestartMarkersAndFillInsideTwoScans_ReachesEoi()
    {
        byte[] jpeg = [.. Soi, .. Sof0, .. Sos, .. ScanData, .. EmptyDht, .. Sos, .. ScanData, 0xFF, .. Eoi];

        JpegMarkers.Check(jpeg);
    }

    [Fact]
    public void Check_EveryPrefix_TruncatedNamingTheScan()
    {
        byte[] jpeg = [.. Soi, .. Sof0, .. Sos, .. ScanData, .. EmptyDht, .. Sos, .. ScanData, .. Eoi];
        var secondScanData = jpeg.Length - Eoi.Length - ScanData.Length;

        for (var cut = 2; cut < jpeg.Length; cut++)
        {
            var ex = Assert.Throws<ImageException>(() => JpegMarkers.Check(jpeg.AsSpan(0, cut)));
            Assert.True(ex.Kind == ImageErrorKind.Truncated, $"cut at {cut}: {ex.Message}");
            if (cut > secondScanData)
            {
                Assert.Contains("inside scan 2, before the end-of-image marker (FFD9)", ex.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Check_EoiBeforeAnyScan_Corrupt()
    {
        var ex = Assert.Throws<ImageException>(() => JpegMarkers.Check([.. Soi, .. Sof0, .. Eoi]));

        Assert.Equal(ImageErrorKind.Corrupt, ex.Kind);
        Assert.Equal("JPEG is corrupt: no scan (SOS) before the end-of-image marker", ex.Message);
    }

    [Fact]
    public void Check_DataByteBetweenSegments_CorruptNamingOffset()
    {
        var ex = Assert.Throws<ImageException>(() => JpegMarkers.Check([.. Soi, .. Sof0, 0x42, .. Sos, .. ScanData, .. Eoi]));

        Assert.Equal(ImageErrorKind.Corrupt, ex.Kind);
        Assert.Equal("JPEG is corrupt: expected a marker at byte 15", ex.Message);
    }
}
