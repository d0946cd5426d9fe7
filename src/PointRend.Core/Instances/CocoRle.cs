// Shape shorthand: H x W mask of bytes, row-major [y * W + x], nonzero = set.
// COCO RLE (cocoapi maskApi.c) walks the mask column-major (index x * H + y) and alternates run lengths starting
// with a run of background, so counts[0] may be 0; the compressed string is rleToString's: each count after the
// second stored as the difference to the count two before it, in 5-bit groups (0x20 = more follows, 0x10 = sign on
// the last group), offset by 48 into printable ASCII.
namespace PointRend.Core.Instances;

/// <summary>COCO run-length encoding of binary masks: uncompressed counts and pycocotools' compressed string.</summary>
public static class CocoRle
{
    /// <summary>Uncompressed COCO counts of a row-major H x W mask.</summary>
    public static int[] Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        CheckSize(mask.Length, height, width);
        var counts = new List<int>(capacity: 2 * width + 2);
        var run = 0;
        var current = false;
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
            {
                var set = mask[(y * width) + x] != 0;
                if (set != current)
                {
                    counts.Add(run);
                    run = 0;
                    current = set;
                }

                run++;
            }
        }

        counts.Add(run);
        return counts.ToArray();
    }

    /// <summary>
    /// Uncompressed COCO counts of an H x W image whose only set pixels lie in a box: <paramref name="crop"/> is the
    /// row-major boxW x boxH mask of the box at (boxX, boxY), which must lie inside the image. The pixels outside the box
    /// are background, so a pasted detection is encoded without an image-sized buffer.
    /// </summary>
    public static int[] EncodeBox(ReadOnlySpan<byte> crop, int boxX, int boxY, int boxW, int boxH, int height, int width)
    {
        CheckSize(crop.Length, boxH, boxW);
        if (boxX < 0 || boxY < 0 || boxX + boxW > width || boxY + boxH > height)
        {
            throw new ArgumentException($"box ({boxX}, {boxY}) {boxW}x{boxH} does not lie inside the {width}x{height} image");
        }

        var counts = new List<int>(capacity: 2 * boxW + 2);
        var run = 0;
        var current = false;
        Append(false, boxX * height); // whole background columns left of the box
        for (var x = 0; x < boxW; x++)
        {
            Append(false, boxY);
            for (var y = 0; y < boxH; y++)
            {
                Append(crop[(y * boxW) + x] != 0, 1);
            }

            Append(false, height - boxY - boxH);
        }

        Append(false, (width - boxX - boxW) * height);
        counts.Add(run);
        return counts.ToArray();

        // Runs continue across column ends: a set pixel at the bottom of one column and the top of the next are one run.
        void Append(bool set, int length)
        {
            if (set != current && length > 0)
            {
                counts.Add(run);
                run = 0;
                current = set;
            }

            run += length;
        }
    }

    /// <summary>Writes the row-major H x W mask (0 or 1) the counts describe; throws when they do not cover it exactly.</summary>
    public static void Decode(ReadOnlySpan<int> counts, int height, int width, Span<byte> mask)
    {
        CheckSize(mask.Length, height, width);
        long total = 0;
        foreach (var c in counts)
        {
            if (c < 0)
            {
                throw new FormatException($"RLE count {c} is negative");
            }

            total += c;
        }

        if (total != (long)height * width)
        {
            throw new FormatException($"RLE counts sum to {total}, but a {height}x{width} mask has {(long)height * width} pixels");
        }

        var index = 0; // column-major position
        byte value = 0;
        foreach (var c in counts)
        {
            for (var end = index + c; index < end; index++)
            {
                var x = index / height;
                mask[((index - (x * height)) * width) + x] = value;
            }

            value ^= 1;
        }
    }

    /// <summary>Set pixels: the sum of the odd-indexed runs.</summary>
    public static long Area(ReadOnlySpan<int> counts)
    {
        long area = 0;
        for (var i = 1; i < counts.Length; i += 2)
        {
            area += counts[i];
        }

        return area;
    }

    /// <summary>cocoapi rleToString: the compressed counts string pycocotools writes into JSON.</summary>
    public static string ToCompressedString(ReadOnlySpan<int> counts)
    {
        var chars = new System.Text.StringBuilder(counts.Length * 2);
        for (var i = 0; i < counts.Length; i++)
        {
            long x = counts[i];
            if (i > 2)
            {
                x -= counts[i - 2];
            }

            var more = true;
            while (more)
            {
                var c = (int)(x & 0x1f);
                x >>= 5; // arithmetic: negative differences end in a group of ones
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more)
                {
                    c |= 0x20;
                }

                chars.Append((char)(c + 48));
            }
        }

        return chars.ToString();
    }

    /// <summary>cocoapi rleFrString: the uncompressed counts of a compressed string.</summary>
    public static int[] FromCompressedString(string compressed)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        var counts = new List<int>(compressed.Length);
        var p = 0;
        while (p < compressed.Length)
        {
            long x = 0;
            var k = 0;
            var more = true;
            while (more)
            {
                if (p == compressed.Length)
                {
                    throw new FormatException($"compressed RLE ends inside a count at character {p}");
                }

                var c = compressed[p] - 48;
                if (c is < 0 or > 0x3f || k > 6)
                {
                    throw new FormatException($"compressed RLE has '{compressed[p]}' at character {p}, not a count");
                }

                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (counts.Count > 2)
            {
                x += counts[^2];
            }

            if (x is < 0 or > int.MaxValue)
            {
                throw new FormatException($"compressed RLE decodes to the count {x} at character {p}");
            }

            counts.Add((int)x);
        }

        return counts.ToArray();
    }

    private static void CheckSize(int length, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        if (length != (long)height * width)
        {
            throw new ArgumentException($"expected {(long)height * width} mask bytes for {height}x{width}, got {length}");
        }
    }
}
