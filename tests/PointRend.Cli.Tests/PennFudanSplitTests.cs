using PointRend.Cli.Evaluation;
using PointRend.Testing;

namespace PointRend.Cli.Tests;

public sealed class PennFudanSplitTests
{
    [Fact]
    public void ValSplit_IsEveryFifthPhotoInNameOrder_AsTrainingChoseIt()
    {
        // training/pennfudan.py: sorted names, index % 5 == 4 -> 24 val photos, FudanPed00005 ... PennPed00070.
        var val = PennFudanSplit.FromDirectories(Path.Combine(TestPaths.PennFudan, "PNGImages"), Path.Combine(TestPaths.PennFudan, "PedMasks"), "val", 0);
        var train = PennFudanSplit.FromDirectories(Path.Combine(TestPaths.PennFudan, "PNGImages"), Path.Combine(TestPaths.PennFudan, "PedMasks"), "train", 0);
        var all = PennFudanSplit.FromDirectories(Path.Combine(TestPaths.PennFudan, "PNGImages"), Path.Combine(TestPaths.PennFudan, "PedMasks"), "all", 0);
        Assert.Equal(24, val.Count);
        Assert.Equal(96, train.Count);
        Assert.Equal("FudanPed00005", val[0].Name);
        Assert.Equal("PennPed00070", val[^1].Name);
        Assert.Empty(val.Select(s => s.Name).Intersect(train.Select(s => s.Name)));
        Assert.Equal(all.Select(s => s.Name).Where((_, i) => i % 5 == 4), val.Select(s => s.Name));
    }

    [Fact]
    public void Instances_AreTheMaskIdsInOrderCoveringEveryLabelledPixel()
    {
        var sample = PennFudanSplit.FromDirectories(Path.Combine(TestPaths.PennFudan, "PNGImages"), Path.Combine(TestPaths.PennFudan, "PedMasks"), "val", 1)[0];
        Assert.EndsWith("FudanPed00005_mask.png", sample.MaskPath);
        var (instances, width, height) = sample.ReadInstances();
        Assert.Equal((335, 344), (width, height));
        Assert.True(instances.Length >= 2);
        var ids = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(sample.MaskPath), StbImageSharp.ColorComponents.Grey);
        Assert.Equal(ids.Data.Count(v => v != 0), instances.Sum(m => m.Area));
        Assert.All(instances, m => Assert.Equal((344, 335), (m.ImageHeight, m.ImageWidth)));
        // Instance 1 is the pixels with id 1: its tight box holds only ids 0 and 1 where the crop is set.
        var first = instances[0];
        for (var y = 0; y < first.Height; y++)
        {
            for (var x = 0; x < first.Width; x++)
            {
                var id = ids.Data[((first.Y + y) * width) + first.X + x];
                Assert.Equal(id == 1, first.Pixels[(y * first.Width) + x] == 1);
            }
        }
    }

    [Fact]
    public void MissingMask_NamesTheExpectedFile()
    {
        var dir = Directory.CreateTempSubdirectory("pointrend-pf-").FullName;
        try
        {
            File.Copy(Path.Combine(Path.Combine(TestPaths.PennFudan, "PNGImages"), "FudanPed00001.png"), Path.Combine(dir, "FudanPed00001.png"));
            var masks = Directory.CreateDirectory(Path.Combine(dir, "masks")).FullName;
            var error = Assert.Throws<FileNotFoundException>(() => PennFudanSplit.FromDirectories(dir, masks, "all", 0));
            Assert.Contains("FudanPed00001_mask.png", error.Message);
            Assert.Throws<ArgumentException>(() => PennFudanSplit.FromDirectories(dir, dir, "test", 0));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
