// Masks are H x W bytes, row-major; COCO counts run column-major starting with background.
using System.Runtime.CompilerServices;
using System.Text.Json;
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

public class CocoRleTests
{
    [Fact]
    public void EmptyMask_IsOneBackgroundRun()
    {
        var counts = CocoRle.Encode(new byte[6], 3, 2);
        Assert.Equal([6], counts);
        Assert.Equal("6", CocoRle.ToCompressedString(counts));
    }

    [Fact]
    public void FullMask_StartsWithAnEmptyBackgroundRun()
    {
        var counts = CocoRle.Encode([1, 1, 1, 1, 1, 1], 2, 3);
        Assert.Equal([0, 6], counts);
        Assert.Equal(6, CocoRle.Area(counts));
    }

    [Fact]
    public void SinglePixel_IsCountedColumnMajor()
    {
        // 3 rows x 4 columns, pixel at row 1, column 2: column-major index 2 * 3 + 1 = 7.
        var mask = new byte[12];
        mask[(1 * 4) + 2] = 1;
        var counts = CocoRle.Encode(mask, 3, 4);
        Assert.Equal([7, 1, 4], counts);
        Assert.Equal("714", CocoRle.ToCompressedString(counts));
    }

    [Fact]
    public void CompressedStrings_MatchCocoapiCases()
    {
        // The cases training/test_evaluate_instance.py checks against cocoapi's rleToString.
        Assert.Equal("13", CocoRle.ToCompressedString(CocoRle.Encode([0, 1, 1, 1], 2, 2)));
        Assert.Equal("023", CocoRle.ToCompressedString(CocoRle.Encode([1, 1, 0, 0, 0], 5, 1)));
        Assert.Equal(string.Concat((char)(48 + 8 + 32), '1'), CocoRle.ToCompressedString(CocoRle.Encode(new byte[40], 40, 1)));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 5, 2)]
    [InlineData(13, 31, 3)]
    [InlineData(64, 33, 4)]
    public void RandomMasks_RoundTripThroughCountsAndString(int height, int width, int seed)
    {
        var random = new Random(seed);
        var mask = new byte[height * width];
        // Blobs rather than noise, so runs are long enough for multi-group and negative differences.
        var (cy, cx, r) = (random.Next(height), random.Next(width), 1 + random.Next(Math.Max(height, width)));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = ((y - cy) * (y - cy)) + ((x - cx) * (x - cx)) < r * r;
                mask[(y * width) + x] = (byte)(inside ^ (random.Next(10) == 0) ? 1 : 0);
            }
        }

        var counts = CocoRle.Encode(mask, height, width);
        var text = CocoRle.ToCompressedString(counts);
        Assert.Equal(counts, CocoRle.FromCompressedString(text));
        var decoded = new byte[mask.Length];
        CocoRle.Decode(counts, height, width, decoded);
        Assert.Equal(mask, decoded);
        Assert.Equal(mask.Count(v => v != 0), CocoRle.Area(counts));
    }

    [Theory]
    [InlineData(0, 0, 3, 4)]
    [InlineData(2, 1, 3, 4)]
    [InlineData(4, 5, 1, 1)]
    [InlineData(0, 0, 5, 6)]
    public void BoxEncoding_EqualsEncodingTheWholeImage(int boxX, int boxY, int boxW, int boxH)
    {
        const int height = 6, width = 5;
        var random = new Random(boxX + (7 * boxY) + (49 * boxW));
        var crop = new byte[boxW * boxH];
        for (var i = 0; i < crop.Length; i++)
        {
            crop[i] = (byte)(random.Next(3) == 0 ? 0 : 1);
        }

        crop[0] = 1; // touches the box's top-left, and (full-height boxes) the run from the column before
        var image = new byte[height * width];
        for (var y = 0; y < boxH; y++)
        {
            crop.AsSpan(y * boxW, boxW).CopyTo(image.AsSpan(((boxY + y) * width) + boxX));
        }

        Assert.Equal(CocoRle.Encode(image, height, width), CocoRle.EncodeBox(crop, boxX, boxY, boxW, boxH, height, width));
    }

    [Fact]
    public void GoldenPastedMasks_DecodeToTheirAreaAndReencodeToTheSameString()
    {
        var checkedMasks = 0;
        foreach (var c in Golden().GetProperty("cases").EnumerateArray())
        {
            foreach (var detection in c.GetProperty("pasted").EnumerateArray())
            {
                foreach (var variant in detection.GetProperty("segmentation").EnumerateObject())
                {
                    var size = variant.Value.GetProperty("size");
                    int height = size[0].GetInt32(), width = size[1].GetInt32();
                    Assert.Equal((c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32()), (height, width));
                    var text = variant.Value.GetProperty("counts").GetString()!;
                    var mask = new byte[height * width];
                    CocoRle.Decode(CocoRle.FromCompressedString(text), height, width, mask);
                    Assert.Equal(variant.Value.GetProperty("area").GetInt32(), mask.Count(v => v != 0));
                    Assert.Equal(text, CocoRle.ToCompressedString(CocoRle.Encode(mask, height, width)));
                    checkedMasks++;
                }
            }
        }

        Assert.True(checkedMasks >= 9, $"only {checkedMasks} golden masks");
    }

    [Fact]
    public void CountsNotCoveringTheMask_AreRejected()
    {
        Assert.Throws<FormatException>(() => CocoRle.Decode([3, 2], 2, 3, new byte[6]));
        Assert.Throws<FormatException>(() => CocoRle.FromCompressedString("7" + (char)(48 + 32)));
    }

    internal static JsonElement Golden([CallerFilePath] string source = "")
    {
        // Read from the source tree, so the project file needs no copy rule.
        var path = Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "testdata", "golden-pennfudan", "golden.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }
}
