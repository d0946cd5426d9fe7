// Cases from training/test_evaluate_instance.py, plus the band against a brute-force (2d + 1)^2 erosion.
using PointRend.Core.Evaluation.Instances;
using static PointRend.Core.Tests.Evaluation.Instances.Masks;

namespace PointRend.Core.Tests.Evaluation.Instances;

public class BoundaryBandTests
{
    [Fact]
    public void Dilation_IsTwoPercentOfTheDiagonalAndAtLeastOne()
    {
        Assert.Equal(1, BoundaryBand.Dilation(20, 20)); // 0.57
        Assert.Equal(10, BoundaryBand.Dilation(300, 400)); // 0.02 * 500
        Assert.Equal(10, BoundaryBand.Dilation(344, 335)); // 0.02 * 480.2 = 9.60
        Assert.Equal(2, BoundaryBand.Dilation(75, 100)); // 0.02 * 125 = 2.5, rounded half to even as Python does
    }

    [Fact]
    public void BandOfASquare_IsItsOnePixelRing()
    {
        var band = BoundaryBand.Of(Square(20, 20, 5, 5, 10), 1);
        Assert.Equal(36, band.Area);
        Assert.Equal(new PixelBox(5, 5, 15, 15), band.Box);
    }

    [Fact]
    public void OutsideTheImage_CountsAsBackground()
    {
        var full = CroppedMask.FromImage(Enumerable.Repeat((byte)1, 400).ToArray(), 20, 20);
        Assert.Equal(76, BoundaryBand.Of(full, 1).Area);
        Assert.Equal(400 - (14 * 14), BoundaryBand.Of(full, 3).Area);
    }

    [Fact]
    public void ShiftedSquare_ByHand()
    {
        // gt 10x10 at (5, 5), prediction shifted right by one: mask IoU 90/110; the rings of 36 px share the top and
        // bottom rows' 9 px each: 18 / (36 + 36 - 18) = 1/3, so boundary AP scores min(.818, .333) and never matches.
        var g = Square(20, 20, 5, 5, 10);
        var p = Square(20, 20, 5, 6, 10);
        Assert.Equal(1.0 / 3, CroppedMask.IoU(BoundaryBand.Of(p, 1), BoundaryBand.Of(g, 1)), 12);
        Assert.Equal(90.0 / 110, CroppedMask.IoU(p, g), 12);
        var r = Evaluate(20, 20, [g], Detection(p, 0.9));
        Assert.Equal(0.7, r.Mask.Ap, 12); // .818 passes .50 ... .80
        Assert.Equal(0.0, r.Boundary.Ap, 12);
    }

    [Theory]
    [InlineData(17, 23, 1, 1)]
    [InlineData(31, 19, 3, 2)]
    [InlineData(40, 40, 5, 3)]
    public void Band_EqualsBruteForceErosionOfTheZeroPaddedImage(int height, int width, int d, int seed)
    {
        var random = new Random(seed);
        var mask = new byte[height * width];
        for (var k = 0; k < 4; k++)
        {
            int y0 = random.Next(height), x0 = random.Next(width);
            var rect = Rect(height, width, y0, x0, random.Next(1, height - y0 + 1), random.Next(1, width - x0 + 1));
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] |= rect[i];
            }
        }

        var band = BoundaryBand.Of(CroppedMask.FromImage(mask, height, width), d);
        var expected = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var eroded = true;
                for (var dy = -d; dy <= d && eroded; dy++)
                {
                    for (var dx = -d; dx <= d && eroded; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        eroded = yy >= 0 && yy < height && xx >= 0 && xx < width && mask[(yy * width) + xx] != 0;
                    }
                }

                var inBand = mask[(y * width) + x] != 0 && !eroded;
                expected += inBand ? 1 : 0;
                var inside = x >= band.X && x < band.X + band.Width && y >= band.Y && y < band.Y + band.Height;
                Assert.Equal(inBand, inside && band.Pixels[((y - band.Y) * band.Width) + x - band.X] != 0);
            }
        }

        Assert.Equal(expected, band.Area);
    }
}
