// Shape shorthand: C channels, h x w in, H x W out, CHW row-major.
// Coordinates: align_corners=false; src = (dst + 0.5) * in / out - 0.5, clamped at 0, upper tap clamped to in - 1.
namespace PointRend.Core.Tests;

public class BilinearUpsampleTests
{
    [Fact]
    public void Upsample2x_Of2x2_MatchesHandComputedTorchValues()
    {
        // Per axis, in 2 -> out 4: dst 0 -> src 0 (clamped from -0.25), dst 1 -> 0.25, dst 2 -> 0.75,
        // dst 3 -> 1.25 whose upper tap clamps to 1, so it replicates the edge. Source weights s = 0, .25, .75, 1.
        // Map [[0, 4], [8, 12]] is f = 4 * sx + 8 * sy, so out[Y, X] = 8 * s[Y] + 4 * s[X].
        // Channel 1 is the negation, to check that planes do not mix.
        float[] source = [0, 4, 8, 12, 0, -4, -8, -12];
        var output = new float[2 * 16];
        BilinearUpsample.Upsample2x(source, 2, 2, 2, output);
        float[] expected =
        [
            0, 1, 3, 4,
            2, 3, 5, 6,
            6, 7, 9, 10,
            8, 9, 11, 12,
        ];
        Assert.Equal(expected, output[..16]);
        Assert.Equal(expected.Select(v => v == 0 ? 0 : -v), output[16..]);
    }

    [Fact]
    public void Resize_ArbitrarySizes_MatchHandComputedValues()
    {
        // Width 3 -> 2, scale 1.5: dst 0 -> 0.25 (0.75 v0 + 0.25 v1 = 1), dst 1 -> 1.75 (0.25 v1 + 0.75 v2 = 7).
        var narrow = new float[2];
        BilinearUpsample.Resize([0f, 4f, 8f], 1, 1, 3, narrow, 1, 2);
        Assert.Equal([1f, 7f], narrow);

        // Height 4 -> 1, scale 4: dst 0 -> 1.5, the mean of rows 1 and 2 = 6.
        var single = new float[1];
        BilinearUpsample.Resize([0f, 4f, 8f, 12f], 1, 4, 1, single, 1, 1);
        Assert.Equal(6f, single[0]);

        // Width 2 -> 3, scale 2/3: dst 0 -> -1/6 clamps to 0 (v0), dst 1 -> 0.5 (midpoint), dst 2 -> 7/6 edge (v1).
        var wide = new float[3];
        BilinearUpsample.Resize([0f, 6f], 1, 1, 2, wide, 1, 3);
        Assert.Equal(0f, wide[0], 5);
        Assert.Equal(3f, wide[1], 5);
        Assert.Equal(6f, wide[2], 5);
    }

    [Fact]
    public void Resize_SameSize_CopiesExactly()
    {
        float[] source = [1.1f, -2.2f, 3.3f, 4.4f, 5.5f, 6.6f];
        var output = new float[6];
        BilinearUpsample.Resize(source, 1, 2, 3, output, 2, 3);
        Assert.Equal(source, output);
    }

    [Fact]
    public void Resize_DestinationTooSmall_Throws()
    {
        Assert.Throws<ArgumentException>(() => BilinearUpsample.Upsample2x(new float[4], 1, 2, 2, new float[15]));
    }
}
