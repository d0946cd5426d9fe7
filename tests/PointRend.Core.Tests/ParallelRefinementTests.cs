// Shape shorthand: K = 5 classes, C = 7 + 1 fine channels + K coarse logits, h x w coarse grid, H x W output.
// Coordinates: cell centres ((j + 0.5) / W, (i + 0.5) / H), align_corners=false.
namespace PointRend.Core.Tests;

/// <summary>The renderer with the MLP head and the sampling shared among threads against one thread.</summary>
public class ParallelRefinementTests
{
    private const int Classes = 5;

    [Theory]
    [InlineData(RenderMode.PointRend, false, 700)]
    [InlineData(RenderMode.PointRend, true, 1100)]
    [InlineData(RenderMode.Dense, false, 0)]
    public void Render_OnTwoThreads_EqualsOneThreadBitForBit(RenderMode mode, bool fullGridSteps, int points)
    {
        // Each thread samples and predicts its own chunks of points; a point's features and logits must not depend
        // on which chunk or thread it fell in. 7 channels take the four-plane gather and the one-plane remainder;
        // the step sizes leave a partial last chunk; maps of three strides use three centre tables.
        var coarse = Maps.Random(Classes, 9, 11, seed: 1);
        FeatureMap[] features = [Maps.Random(7, 18, 22, seed: 2), Maps.Random(1, 36, 44, seed: 3)];
        var head = Head(7 + 1 + Classes);
        var options = new RenderOptions(mode, 3, points, 70, 85) { FullGridSteps = fullGridSteps };

        using var single = SubdivisionRenderer.Render(coarse, features, new ParallelMlpPointHead(head, threads: 1), options);
        using var shared = SubdivisionRenderer.Render(coarse, features, new ParallelMlpPointHead(head, threads: 2), options);

        Assert.True(single.PointsRefined > 2 * ParallelMlpPointHead.ChunkPoints, $"only {single.PointsRefined} points refined");
        Assert.Equal(single.PointsRefined, shared.PointsRefined);
        Assert.Equal(single.Logits.ToArray(), shared.Logits.ToArray());
    }

    [Theory]
    [InlineData(176)]
    [InlineData(181)]
    public void SparseSteps_OnTwoThreads_SelectAndLabelAsTheFullGrid(int outWidth)
    {
        // Levels and outputs of 128 rows or more share their bounds, slot clearing and output proofs among the head's
        // threads (RowPass): 9 x 11 -> 144 x 176 after 4 steps, then 140 rows with the same columns or 181 columns.
        var coarse = Maps.Random(Classes, 9, 11, seed: 5);
        FeatureMap[] features = [Maps.Random(7, 18, 22, seed: 6), Maps.Random(1, 36, 44, seed: 7)];
        var head = Head(7 + 1 + Classes);
        var options = new RenderOptions(RenderMode.PointRend, 4, 900, 140, outWidth) { RecordPoints = true };

        using var full = SubdivisionRenderer.Render(coarse, features, new ParallelMlpPointHead(head, threads: 1), options with { FullGridSteps = true });
        using var shared = SubdivisionRenderer.Render(coarse, features, new ParallelMlpPointHead(head, threads: 2), options);

        for (int s = 0; s < 4; s++)
        {
            Assert.Equal(full.SelectedCellsPerStep[s], shared.SelectedCellsPerStep[s]);
        }

        int pixels = 140 * outWidth;
        var expected = new byte[pixels];
        LabelMaps.Argmax(full.Logits, Classes, pixels, expected);
        var labels = new byte[pixels];
        shared.CopyLabels(labels);
        Assert.Equal(expected, labels);
        Assert.Equal(full.Logits.ToArray(), shared.Logits.ToArray());
    }

    private static MlpPointHead Head(int inChannels)
    {
        var random = new Random(4);
        float Next() => (float)(random.NextDouble() - 0.5);
        MlpLayer Layer(int outputs, int inputs) => new(
            Enumerable.Range(0, outputs * inputs).Select(_ => Next()).ToArray(), Enumerable.Range(0, outputs).Select(_ => Next()).ToArray(), outputs, inputs);
        return new MlpPointHead(inChannels, Classes, [Layer(12, inChannels), Layer(12, 12 + Classes), Layer(Classes, 12 + Classes)]);
    }
}
