using System.Text.Json;
using PointRend.Cli.Instances;
using PointRend.Core.Evaluation.Instances;

namespace PointRend.Cli.Tests;

public sealed class CocoResultsTests
{
    [Fact]
    public void Results_AreCocoFormatAndReadBackToTheSameMasks()
    {
        // A 7 x 5 image; an L-shaped mask in its right half and a box [x, y, w, h].
        const int h = 7, w = 5;
        var pixels = new byte[h * w];
        foreach (var (y, x) in new[] { (1, 3), (2, 3), (3, 3), (3, 4) })
        {
            pixels[(y * w) + x] = 1;
        }

        var mask = CroppedMask.FromImage(pixels, h, w);
        var result = CocoResult.From(1, 0.875, new PixelBox(2.5, 0.5, 5, 4.25), mask);
        var json = CocoResults.ToJson([result]);

        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement[0];
        Assert.Equal(1, e.GetProperty("category_id").GetInt32());
        Assert.Equal(0.875, e.GetProperty("score").GetDouble());
        Assert.Equal([2.5, 0.5, 2.5, 3.75], e.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([h, w], e.GetProperty("segmentation").GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
        // Column-major from the top-left: columns 0-2 and the top of column 3 are 22 background pixels, 3 set, 3 + 3
        // background, 1 set, 3 background -> [22, 3, 6, 1, 3]; cocoapi's rleToString writes 22 as two groups ("f0")
        // and the last two as differences to the counts two before (-2, -3: "N", "M").
        Assert.Equal("f036NM", e.GetProperty("segmentation").GetProperty("counts").GetString());
        var back = CocoResults.FromJson(json).Single();
        Assert.Equal(mask.Pixels, back.Mask().Pixels);
        Assert.Equal((mask.X, mask.Y, mask.Width, mask.Height), (back.Mask().X, back.Mask().Y, back.Mask().Width, back.Mask().Height));
        Assert.Equal(result.Box, back.Box);
    }

    [Fact]
    public void UncompressedCounts_AreReadToo()
    {
        var json = """[{"category_id": 1, "score": 0.5, "bbox": [0, 0, 1, 1], "segmentation": {"size": [3, 4], "counts": [7, 1, 4]}}]"""u8;
        var mask = CocoResults.FromJson(json).Single().Mask();
        Assert.Equal((2, 1, 1L), (mask.X, mask.Y, mask.Area)); // column-major index 7 in a 3-row image: row 1, column 2
    }
}
