using System.Buffers.Binary;

namespace PointRend.Inference.Tests;

/// <summary>
/// Deterministic damage to an encoded image, each mutation named by what was done (names starting "truncate" must be
/// refused as Truncated, "crc" as Corrupt): truncations, byte flips, inserted and deleted bytes, and per format the
/// structural fields (PNG chunk lengths and CRCs, data changes behind a recomputed CRC; JPEG segment lengths).
/// </summary>
internal static class ImageMutations
{
    public static List<(string Name, byte[] Bytes)> All(byte[] original, int seed)
    {
        var random = new Random(seed);
        var list = new List<(string, byte[])>();
        var isPng = original[0] == 0x89;

        // Truncations: every offset in the first 48 bytes (signature, IHDR or the first JPEG segments), then 64 spread
        // over the rest, the last byte included.
        var cuts = Enumerable.Range(1, 47)
            .Concat(Enumerable.Range(0, 63).Select(_ => random.Next(48, original.Length)))
            .Append(original.Length - 1)
            .Distinct()
            .Order();
        list.AddRange(cuts.Select(cut => ($"truncate at {cut}", original[..cut])));

        for (var i = 0; i < 100; i++)
        {
            var offset = random.Next(original.Length);
            var bytes = (byte[])original.Clone();
            bytes[offset] ^= (byte)random.Next(1, 256);
            list.Add(($"flip byte {offset}", bytes));
        }

        for (var i = 0; i < 30; i++)
        {
            var offset = random.Next(8, original.Length);
            var inserted = new byte[random.Next(1, 13)];
            random.NextBytes(inserted);
            list.Add(($"insert {inserted.Length} at {offset}", [.. original[..offset], .. inserted, .. original[offset..]]));
        }

        for (var i = 0; i < 20; i++)
        {
            var offset = random.Next(8, original.Length - 12);
            var count = random.Next(1, 13);
            list.Add(($"delete {count} at {offset}", [.. original[..offset], .. original[(offset + count)..]]));
        }

        list.AddRange(isPng ? PngStructure(original, random) : JpegStructure(original));
        return list;
    }

    private static IEnumerable<(string, byte[])> PngStructure(byte[] png, Random random)
    {
        var chunks = ImageSamples.Chunks(png);
        foreach (var (offset, length, type) in chunks.Take(6).Append(chunks[^1]))
        {
            foreach (var newLength in new long[] { length + 1, length - 1, 0, length + 1000, 0x7FFF_FFFF, 0xFFFF_FFFF })
            {
                var bytes = (byte[])png.Clone();
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), (uint)newLength);
                yield return ($"length of {type} at {offset} = {newLength}", bytes);
            }

            var badCrc = (byte[])png.Clone();
            badCrc[offset + 8 + length + 3] ^= 1;
            yield return ($"crc of {type} at {offset}", badCrc);
        }

        // Damage behind a correct CRC reaches IHDR validation, zlib, the row filters and stb.
        var withData = chunks.Where(c => c.Length > 0).ToList();
        for (var i = 0; i < 40; i++)
        {
            var (offset, length, type) = i < 10 ? withData[0] : withData[random.Next(withData.Count)];
            var at = offset + 8 + random.Next(length);
            var bytes = (byte[])png.Clone();
            bytes[at] ^= (byte)random.Next(1, 256);
            yield return ($"flip byte {at} in {type} with its CRC fixed", ImageSamples.FixCrc(bytes, offset));
        }
    }

    private static IEnumerable<(string, byte[])> JpegStructure(byte[] jpeg)
    {
        foreach (var (offset, marker) in ImageSamples.JpegSegments(jpeg))
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(offset + 2));
            foreach (var newLength in new[] { length + 1, length - 1, 0, 1, 0xFFFF })
            {
                var bytes = (byte[])jpeg.Clone();
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset + 2), (ushort)newLength);
                yield return ($"length of FF{marker:X2} at {offset} = {newLength}", bytes);
            }
        }
    }
}
