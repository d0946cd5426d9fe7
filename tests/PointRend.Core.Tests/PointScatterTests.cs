// Shape shorthand: K classes, P points, N cells; point logits K x P, grid logits K x N.
// Coordinates: raster indices.
namespace PointRend.Core.Tests;

public class PointScatterTests
{
    [Fact]
    public void Scatter_OverwritesOnlyTheSelectedCells()
    {
        // K = 2, grid 2x2, cells [3, 0]; point logits class 0 = [1, 2], class 1 = [3, 4].
        // Class 0 plane: cell 3 <- 1, cell 0 <- 2; class 1 plane: cell 3 <- 3, cell 0 <- 4; cells 1, 2 keep 9.
        var logits = Enumerable.Repeat(9f, 8).ToArray();
        PointScatter.Scatter([1f, 2f, 3f, 4f], 2, [3, 0], logits, 4);
        Assert.Equal([2f, 9f, 9f, 1f, 4f, 9f, 9f, 3f], logits);
    }

    [Fact]
    public void Scatter_CellOutsideTheGrid_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PointScatter.Scatter([1f], 1, [4], new float[4], 4));
    }
}
