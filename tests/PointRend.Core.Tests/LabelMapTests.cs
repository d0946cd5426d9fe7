// Shape shorthand: K classes, N pixels; logits K x N, channel-major.
// Coordinates: none.
namespace PointRend.Core.Tests;

public class LabelMapTests
{
    // K = 3, N = 10 (one SIMD block of 8 plus a scalar tail of 2 on AVX2; all scalar on wider vectors).
    private static readonly float[] Logits =
    [
        1, 5, 3, 3, 0, -1, 2, 7, 4, 0,
        2, 5, 1, 4, 0, -3, 2, 1, 4, 3,
        0, 0, 2, 3, 0, -2, 9, 1, 4, 3,
    ];

    [Fact]
    public void Uncertainty_IsMinusTheGapBetweenTheTwoBestLogits()
    {
        // Per pixel (top1, top2): (2,1) (5,5) (3,2) (4,3) (0,0) (-1,-2) (9,2) (7,1) (4,4) (3,3).
        var output = new float[10];
        LabelMaps.Uncertainty(Logits, 3, 10, output);
        Assert.Equal([-1f, 0f, -1f, -1f, 0f, -1f, -7f, -6f, 0f, 0f], output);
    }

    [Fact]
    public void Argmax_LowestClassWinsExactTies()
    {
        // Ties: pixel 1 (0 vs 1), 4 and 8 (all three), 9 (1 vs 2 -> 1).
        var labels = new byte[10];
        LabelMaps.Argmax(Logits, 3, 10, labels);
        Assert.Equal(new byte[] { 1, 0, 0, 1, 0, 0, 2, 0, 0, 1 }, labels);
    }

    [Fact]
    public void Uncertainty_WithOneClass_IsNegativeInfinity()
    {
        var output = new float[2];
        UncertaintyMap.TopTwoGap([1f, 2f], 1, 2, output);
        Assert.All(output, v => Assert.Equal(float.NegativeInfinity, v));
    }

    [Fact]
    public void Argmax_LongRun_AgreesWithScalarReference()
    {
        // 37 pixels of 5 classes drawn from few values, so ties are frequent across SIMD lanes and the tail.
        var random = new Random(7);
        var logits = Enumerable.Range(0, 5 * 37).Select(_ => (float)random.Next(3)).ToArray();
        var labels = new byte[37];
        LabelMaps.Argmax(logits, 5, 37, labels);
        for (int n = 0; n < 37; n++)
        {
            int best = 0;
            for (int k = 1; k < 5; k++)
            {
                best = logits[k * 37 + n] > logits[best * 37 + n] ? k : best;
            }

            Assert.Equal(best, labels[n]);
        }
    }
}
