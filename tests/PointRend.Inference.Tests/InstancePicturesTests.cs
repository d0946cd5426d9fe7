using PointRend.Core.Instances;
using PointRend.Inference;
using StbImageSharp;

namespace PointRend.Inference.Tests;

/// <summary>The instance-id map and overlay of pasted masks, decoded back from their PNGs.</summary>
public sealed class InstancePicturesTests : IDisposable
{
    private const int Width = 12, Height = 12;

    // All-positive logits fill the pixels whose centres lie in the box: (2, 3, 7, 9) -> x 2..6, y 3..8;
    // (5, 5, 10, 10) -> x 5..9, y 5..9, overlapping the first at x 5..6, y 5..8.
    private readonly PastedMask[] _masks =
    [
        MaskPaste.Paste(Enumerable.Repeat(10f, 49).ToArray(), 7, new DetectionBox(2, 3, 7, 9), Width, Height),
        MaskPaste.Paste(Enumerable.Repeat(10f, 49).ToArray(), 7, new DetectionBox(5, 5, 10, 10), Width, Height),
        MaskPaste.Paste(Enumerable.Repeat(-10f, 49).ToArray(), 7, new DetectionBox(0, 0, 4, 4), Width, Height),
    ];

    [Fact]
    public void IdMap_NumbersDetectionsInOrderAndEarlierOnesKeepOverlaps()
    {
        var png = ImageResult.FromMemory(InstancePictures.InstanceIdPng(_masks, Width, Height), ColorComponents.Grey);
        Assert.Equal((Width, Height), (png.Width, png.Height));
        byte At(int x, int y) => png.Data[(y * Width) + x];
        Assert.Equal(1, At(2, 3));
        Assert.Equal(1, At(6, 6)); // claimed by both: the first keeps it
        Assert.Equal(2, At(7, 6));
        Assert.Equal(2, At(9, 9));
        Assert.Equal(0, At(0, 0));
        Assert.Equal(0, At(10, 10));
        Assert.Equal(30 + 25 - 8, png.Data.Count(v => v != 0)); // 6x5 + 5x5 - the 2x4 overlap
        Assert.DoesNotContain((byte)3, png.Data); // the empty third detection draws nothing
    }

    [Fact]
    public void Overlay_BlendsInsideOutlinesEdgesAndLeavesBackground()
    {
        var photo = Enumerable.Repeat((byte)100, Width * Height * 3).ToArray();
        var png = ImageResult.FromMemory(InstancePictures.OverlayPng(_masks, photo, Width, Height), ColorComponents.RedGreenBlue);
        (byte, byte, byte) At(int x, int y)
        {
            var o = ((y * Width) + x) * 3;
            return (png.Data[o], png.Data[o + 1], png.Data[o + 2]);
        }

        var (r1, g1, b1) = InstancePictures.Colour(1);
        var (r2, g2, b2) = InstancePictures.Colour(2);
        Assert.NotEqual((r1, g1, b1), (r2, g2, b2));
        Assert.Equal(((byte)((100 + r1 + 1) >> 1), (byte)((100 + g1 + 1) >> 1), (byte)((100 + b1 + 1) >> 1)), At(4, 5)); // inside 1
        Assert.Equal((r1, g1, b1), At(2, 5)); // left edge of 1
        Assert.Equal((r2, g2, b2), At(7, 6)); // 2 next to 1: an outline between them
        Assert.Equal(((byte)((100 + r2 + 1) >> 1), (byte)((100 + g2 + 1) >> 1), (byte)((100 + b2 + 1) >> 1)), At(8, 8)); // inside 2
        Assert.Equal(((byte)100, (byte)100, (byte)100), At(0, 0));
    }

    [Fact]
    public void DetectionsPast255_AreLeftOut()
    {
        // 256 copies of the first mask, then the second: only ids 1..255 fit a byte, so the second is not drawn.
        var many = Enumerable.Repeat(_masks[0], InstancePictures.MaxInstances + 1).Append(_masks[1]).ToArray();
        var png = ImageResult.FromMemory(InstancePictures.InstanceIdPng(many, Width, Height), ColorComponents.Grey);
        Assert.Equal(30, png.Data.Count(v => v == 1));
        Assert.Equal(30, png.Data.Count(v => v != 0));
    }

    public void Dispose()
    {
        foreach (var m in _masks)
        {
            m.Dispose();
        }
    }
}
