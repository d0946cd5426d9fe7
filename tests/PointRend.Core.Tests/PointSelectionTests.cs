// Shape shorthand: N cells, P selected.
// Coordinates: raster indices; order = descending uncertainty, then ascending index.
namespace PointRend.Core.Tests;

public class PointSelectionTests
{
    [Theory]
    [InlineData(1, new[] { 0 })]
    [InlineData(2, new[] { 0, 2 })] // three cells tie at -1 for two places: indices 0 and 2 win over 3
    [InlineData(4, new[] { 0, 2, 3, 4 })]
    [InlineData(5, new[] { 0, 2, 3, 4, 1 })]
    [InlineData(99, new[] { 0, 2, 3, 4, 1 })] // N >= cells selects all, still in the contract order
    public void Ties_GoToTheLowerIndex_AndOutputIsOrdered(int count, int[] expected)
    {
        float[] uncertainty = [-1, -3, -1, -1, -2];
        var selected = new int[5];
        int n = PointSelection.SelectMostUncertain(uncertainty, count, selected);
        Assert.Equal(expected, selected[..n]);
    }

    [Fact]
    public void MostUncertainComeFirst()
    {
        // Largest values 0 (index 1), 0 (index 3), -0.5 (index 5).
        float[] uncertainty = [-1, 0, -2, 0, -1, -0.5f];
        var selected = new int[3];
        Assert.Equal(3, PointSelection.SelectMostUncertain(uncertainty, 3, selected));
        Assert.Equal([1, 3, 5], selected);
    }

    [Fact]
    public void NegativeZero_TiesWithPositiveZero()
    {
        // As floats -0 == +0, so the tie rule picks index 0; a bitwise order would pick index 1.
        var selected = new int[1];
        PointSelection.SelectMostUncertain([-0f, 0f], 1, selected);
        Assert.Equal(0, selected[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(500)]
    [InlineData(4095)]
    public void RadixSelect_AgreesWithAFullSort(int count)
    {
        // Few distinct coarse values plus low-bit noise, so all three radix passes and the threshold ties matter.
        var random = new Random(count);
        var uncertainty = new float[4096];
        for (int i = 0; i < uncertainty.Length; i++)
        {
            float coarse = -random.Next(4);
            uncertainty[i] = random.Next(3) == 0 ? coarse : coarse - random.Next(1, 64) * 1e-6f;
        }

        var expected = Enumerable.Range(0, uncertainty.Length)
            .OrderByDescending(i => uncertainty[i]).ThenBy(i => i).Take(count).ToArray();
        var selected = new int[count];
        Assert.Equal(count, PointSelection.SelectMostUncertain(uncertainty, count, selected));
        Assert.Equal(expected, selected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(500)]
    [InlineData(4095)]
    [InlineData(5000)]
    public void UncertainCells_AreTheSameSet_InRasterOrder(int count)
    {
        // The renderer's variant: the cells SelectMostUncertain picks, ascending.
        var random = new Random(count);
        var uncertainty = new float[4096];
        for (int i = 0; i < uncertainty.Length; i++)
        {
            float coarse = -random.Next(4);
            uncertainty[i] = random.Next(3) == 0 ? coarse : coarse - random.Next(1, 64) * 1e-6f;
        }

        var expected = Enumerable.Range(0, uncertainty.Length)
            .OrderByDescending(i => uncertainty[i]).ThenBy(i => i).Take(count).Order().ToArray();
        var selected = new int[count];

        int n = PointSelection.SelectUncertainCells(uncertainty, count, selected);

        Assert.Equal(expected, selected[..n]);
    }

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(784, 50176)]
    [InlineData(4000, 4096)]
    [InlineData(5000, 4099)]
    public void SmallestMagnitude_PicksWhatMostUncertainPicksOnMinusAbs(int count, int cells)
    {
        // Logits of both signs with many exact ties (|x| equal, +-0, signs differing), on a length that is not a
        // multiple of the vector width: the key read from the logit bits must choose and order like -|logit|.
        var random = new Random(count + cells);
        var logits = new float[cells];
        for (int i = 0; i < cells; i++)
        {
            float magnitude = random.Next(4) == 0 ? random.Next(3) : random.Next(1, 200) * 0.01f;
            logits[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }

        var uncertainty = logits.Select(x => -MathF.Abs(x)).ToArray();
        int take = Math.Min(count, cells);
        var expected = new int[take];
        PointSelection.SelectMostUncertain(uncertainty, count, expected);
        var selected = new int[take];
        var keys = new uint[cells];

        int n = PointSelection.SelectSmallestMagnitude(logits, count, keys, selected);

        Assert.Equal(expected.Order().ToArray(), selected[..n]);
        PointSelection.SortByUncertainty(keys, selected);
        Assert.Equal(expected, selected);
    }

    [Fact]
    public void SortableKeys_EqualTheScalarKey_ForEveryKindOfFloat()
    {
        float[] values = [0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f, 3.5f, -2.25f, 0.1f, -0.1f, 7f, -7f, 42f];
        var keys = new uint[values.Length];

        PointSelection.SortableKeys(values, keys);

        Assert.Equal(values.Select(PointSelection.SortableKey), keys);
    }

    [Fact]
    public void CountBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PointSelection.SelectMostUncertain([1f], 0, new int[1]));
    }
}
