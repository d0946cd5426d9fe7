// Shape shorthand: H x W site map and squared distances, row-major.
// Coordinates: integer pixel lattice.
using PointRend.Core.Evaluation;

namespace PointRend.Core.Tests.Evaluation;

public class DistanceTransformTests
{
    [Fact]
    public void SquaredEuclidean_MatchesBruteForce()
    {
        // 7x5 with sites at (1, 1) and (5, 3): each pixel's value is min(dx^2 + dy^2) over the two.
        var sites = new byte[35];
        sites[1 * 7 + 1] = 1;
        sites[3 * 7 + 5] = 1;
        var squared = new float[35];
        DistanceTransform.SquaredEuclidean(sites, 7, 5, squared);
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 7; x++)
            {
                int expected = Math.Min((x - 1) * (x - 1) + (y - 1) * (y - 1), (x - 5) * (x - 5) + (y - 3) * (y - 3));
                Assert.Equal(expected, squared[y * 7 + x]);
            }
        }

        // Hand check of one corner: (6, 0) is (1, 3) from (5, 3) -> 10, and (5, 1) from (1, 1) -> 26.
        Assert.Equal(10f, squared[6]);
    }

    [Fact]
    public void NoSites_GivesFarEverywhere()
    {
        var squared = new float[6];
        DistanceTransform.SquaredEuclidean(new byte[6], 3, 2, squared);
        Assert.All(squared, v => Assert.True(v >= DistanceTransform.Far / 2));
    }
}
