// JPEG layout (ITU-T T.81): SOI (FFD8), then marker segments (FF, marker byte, a big-endian length that counts itself,
// data). Each scan is an SOS segment followed by entropy-coded data in which a data byte FF is written FF00 and
// restart markers FFD0-FFD7 may appear; a progressive JPEG has several scans, with tables between them. The image
// ends with EOI (FFD9). Any number of FF fill bytes may precede a marker.
using System.Buffers.Binary;

namespace PointRend.Imaging;

/// <summary>
/// Walks every marker from SOI to EOI before stb decodes. stb fills missing entropy-coded data with zeros, so a JPEG
/// cut anywhere in its scans "decodes" to a grey or smeared lower part; finding EOI is what tells a complete file.
/// Bytes after EOI are ignored (some cameras append data there).
/// </summary>
internal static class JpegMarkers
{
    /// <exception cref="ImageException">Truncated (no EOI), corrupt marker structure, or a coding stb cannot decode.</exception>
    public static void Check(ReadOnlySpan<byte> jpeg)
    {
        var frame = false;
        var scans = 0;
        for (var i = 2; ;)
        {
            if (i < jpeg.Length && jpeg[i] != 0xFF)
            {
                throw ImageErrors.JpegExpectedMarker(i);
            }

            while (i < jpeg.Length && jpeg[i] == 0xFF)
            {
                i++; // fill bytes
            }

            if (i >= jpeg.Length)
            {
                throw ImageErrors.JpegNoEoi(jpeg.Length, scans);
            }

            var marker = jpeg[i++];
            var at = i - 2;
            switch (marker)
            {
                case 0xD9 when scans == 0:
                    throw ImageErrors.JpegNoScan();
                case 0xD9:
                    return;
                case 0xD8:
                    throw ImageErrors.JpegSecondSoi(at);
                case 0x00:
                    throw ImageErrors.JpegExpectedMarker(at); // FF00 is an escaped data byte, valid only inside a scan
                case 0x01 or (>= 0xD0 and <= 0xD7):
                    continue; // TEM and RSTn stand alone, without a length
            }

            if (i + 2 > jpeg.Length)
            {
                throw ImageErrors.JpegEndsInSegment(jpeg.Length, i + 2L, marker, at);
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[i..]);
            if (length < 2)
            {
                throw ImageErrors.JpegBadSegmentLength(marker, at, length, 2);
            }

            var end = i + length;
            if (end > jpeg.Length)
            {
                throw ImageErrors.JpegEndsInSegment(jpeg.Length, end, marker, at);
            }

            if (IsFrame(marker))
            {
                CheckFrame(marker, jpeg[(i + 2)..end], at);
                frame = true;
            }

            i = end;
            if (marker == 0xDA)
            {
                if (!frame)
                {
                    throw ImageErrors.JpegNoFrame();
                }

                scans++;
                i = SkipEntropyCodedData(jpeg, i, scans);
            }
        }
    }

    /// <summary>"DHT", "SOF2", "APP1", ...; "FFxx" for the rest.</summary>
    public static string Name(byte marker) => marker switch
    {
        0xC4 => "DHT",
        0xC8 => "JPG",
        0xCC => "DAC",
        >= 0xC0 and <= 0xCF => $"SOF{marker - 0xC0}",
        0xDA => "SOS",
        0xDB => "DQT",
        0xDC => "DNL",
        0xDD => "DRI",
        >= 0xE0 and <= 0xEF => $"APP{marker - 0xE0}",
        0xFE => "COM",
        _ => $"FF{marker:X2}",
    };

    /// <summary>SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).</summary>
    public static bool IsFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;

    /// <summary>Returns the offset of the FF that starts the next marker: not FF00 (escaped data), not RSTn, not fill.</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> jpeg, int i, int scans)
    {
        while (true)
        {
            var next = jpeg[i..].IndexOf((byte)0xFF);
            if (next < 0 || i + next + 1 >= jpeg.Length)
            {
                throw ImageErrors.JpegNoEoi(jpeg.Length, scans);
            }

            i += next;
            var after = jpeg[i + 1];
            if (after != 0x00 && after is not (>= 0xD0 and <= 0xD7) && after != 0xFF)
            {
                return i;
            }

            i += after == 0xFF ? 1 : 2;
        }
    }

    /// <summary>stb decodes baseline, extended sequential and progressive Huffman-coded 8-bit frames only.</summary>
    private static void CheckFrame(byte marker, ReadOnlySpan<byte> data, int at)
    {
        var coding = marker switch
        {
            0xC3 => "lossless",
            0xC5 or 0xC6 or 0xC7 => "hierarchical",
            0xC9 or 0xCA => "arithmetic",
            0xCB => "lossless arithmetic",
            0xCD or 0xCE or 0xCF => "hierarchical arithmetic",
            _ => null,
        };
        if (coding is not null)
        {
            throw ImageErrors.JpegUnsupportedCoding(coding, marker);
        }

        if (data.Length < 6)
        {
            throw ImageErrors.JpegBadSegmentLength(marker, at, data.Length + 2, 8);
        }

        if (data[0] is 12 or 16)
        {
            throw ImageErrors.JpegPrecision(data[0]); // other values than 8 are simply corrupt: stb refuses them
        }
    }
}
