using PointRend.Core.Tiling;

namespace PointRend.Core.Tests;

public sealed class TileGridTests
{
    [Theory]
    [InlineData(480, 360, 256, 64, 8)]
    [InlineData(1000, 37, 200, 48, 8)]
    [InlineData(513, 513, 256, 32, 16)]
    [InlineData(100, 100, 256, 64, 8)]
    [InlineData(257, 300, 256, 0, 1)]
    public void KeptCentresCoverTheImageExactlyOnceAndLieInsideTheirTiles(int width, int height, int size, int overlap, int align)
    {
        var tiles = TileGrid.Plan(width, height, size, overlap, align);
        var cover = new int[width * height];

        foreach (var t in tiles)
        {
            Assert.True(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= width && t.Y + t.Height <= height, t.ToString());
            Assert.True(t.Width <= size + align - 1 && t.Height <= size + align - 1, t.ToString());
            Assert.Equal(0, t.X % align);
            Assert.Equal(0, t.Y % align);
            Assert.True(t.KeepX >= t.X && t.KeepX + t.KeepWidth <= t.X + t.Width && t.KeepY >= t.Y && t.KeepY + t.KeepHeight <= t.Y + t.Height, t.ToString());
            for (var y = t.KeepY; y < t.KeepY + t.KeepHeight; y++)
            {
                for (var x = t.KeepX; x < t.KeepX + t.KeepWidth; x++)
                {
                    cover[y * width + x]++;
                }
            }
        }

        Assert.All(cover, c => Assert.Equal(1, c));
    }

    [Fact]
    public void SeamsSitMidOverlapSoEveryKeptPixelHasHalfTheOverlapOfContext()
    {
        var tiles = TileGrid.Plan(480, 360, 256, 64, 8);

        // 480 needs three columns to keep 64 px between neighbours (two would share 32); 360 needs two rows.
        Assert.Equal(6, tiles.Count);
        Assert.Equal([0, 112, 224], tiles.Select(t => t.X).Distinct());
        foreach (var t in tiles)
        {
            Assert.True(t.KeepX == 0 || t.KeepX - t.X >= 32, t.ToString());
            Assert.True(t.KeepX + t.KeepWidth == 480 || t.X + t.Width - (t.KeepX + t.KeepWidth) >= 32, t.ToString());
            Assert.True(t.KeepY == 0 || t.KeepY - t.Y >= 32, t.ToString());
            Assert.True(t.KeepY + t.KeepHeight == 360 || t.Y + t.Height - (t.KeepY + t.KeepHeight) >= 32, t.ToString());
        }
    }

    [Fact]
    public void CropKeepAndPasteRebuildTheImage()
    {
        const int w = 97, h = 61;
        var labels = Enumerable.Range(0, w * h).Select(i => (byte)(i * 31 % 251)).ToArray();
        var rebuilt = new byte[w * h];

        foreach (var t in TileGrid.Plan(w, h, 40, 12, 4))
        {
            var tile = TileGrid.Crop(labels, w, 1, t);
            TileGrid.Paste(TileGrid.Keep(tile, t), t, rebuilt, w);
        }

        Assert.Equal(labels, rebuilt);
    }
}
