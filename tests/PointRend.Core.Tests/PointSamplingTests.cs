// Shape shorthand: C channels of an h x w map, P points, a grid H x W; point buffer [c * P + p].
// Coordinates: cell centres ((j + 0.5) / W, (i + 0.5) / H); x = c_x * w - 0.5; zero padding outside the map.
namespace PointRend.Core.Tests;

public class PointSamplingTests
{
    [Fact]
    public void CellCentresOfTheMapsOwnGrid_ReturnPixelValues()
    {
        // Grid 2x2 on a 2x2 map: x = (j + 0.5) / 2 * 2 - 0.5 = j exactly, so every tap weight is 0 or 1.
        var map = new FeatureMap(new float[] { 1, 2, 3, 4 }, 1, 2, 2);
        var output = new float[4];
        PointSampling.SampleAtCellCenters(map, [3, 0, 2, 1], 2, 2, output, 0);
        Assert.Equal([4f, 1f, 3f, 2f], output);
    }

    [Fact]
    public void BorderCells_LoseTheWeightOfTapsOutsideTheMap()
    {
        // 1x2 map [10, 20] sampled on a 1x4 grid: x = -0.25, 0.25, 0.75, 1.25 (y = 0 exactly).
        // x = -0.25: taps -1 (outside, weight 0.25) and 0 (0.75) -> 7.5, where edge replication would give 10.
        // x = 0.25 -> 0.75 * 10 + 0.25 * 20 = 12.5; x = 0.75 -> 17.5; x = 1.25: tap 2 outside -> 0.75 * 20 = 15.
        var map = new FeatureMap(new float[] { 10, 20 }, 1, 1, 2);
        var output = new float[4];
        PointSampling.SampleAtCellCenters(map, [0, 1, 2, 3], 1, 4, output, 0);
        Assert.Equal([7.5f, 12.5f, 17.5f, 15f], output);
    }

    [Fact]
    public void CornerCell_OfA2xGrid_KeepsOnlyOneQuarterSquaredOfTheTaps()
    {
        // 2x2 map on a 4x4 grid, cell (0, 0): x = y = -0.25; only tap (0, 0) is inside, weight 0.75 * 0.75.
        // Cell (1, 1) = index 5: x = y = 0.25 -> weights .5625, .1875, .1875, .0625 over 1, 2, 3, 4 = 1.75.
        var map = new FeatureMap(new float[] { 1, 2, 3, 4 }, 1, 2, 2);
        var output = new float[2];
        PointSampling.SampleAtCellCenters(map, [0, 5], 4, 4, output, 0);
        Assert.Equal(0.5625f, output[0], 6);
        Assert.Equal(1.75f, output[1], 6);
    }

    [Fact]
    public void ChannelOffset_WritesChannelMajorRowsAfterTheOffset()
    {
        // Two channels, three points, offset 1 in a 4-channel buffer: rows 1 and 2 are written, 0 and 3 untouched.
        var map = new FeatureMap(new float[] { 1, 2, 3, 4, 10, 20, 30, 40 }, 2, 2, 2);
        var buffer = Enumerable.Repeat(-9f, 12).ToArray();
        PointSampling.SampleAtCellCenters(map, [1, 2, 3], 2, 2, buffer, 1);
        Assert.Equal([-9f, -9f, -9f, 2f, 3f, 4f, 20f, 30f, 40f, -9f, -9f, -9f], buffer);
    }

    [Fact]
    public void CellOutsideTheGrid_Throws()
    {
        var map = new FeatureMap(new float[] { 1 }, 1, 1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => PointSampling.SampleAtCellCenters(map, [4], 2, 2, new float[1], 0));
    }
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(1, 37, 1, 5)]
    [InlineData(29, 1, 7, 1)]
    [InlineData(4, 4, 2, 2)]
    [InlineData(45, 60, 23, 30)]
    [InlineData(90, 120, 45, 60)]
    [InlineData(360, 480, 23, 30)]
    [InlineData(360, 480, 90, 120)]
    [InlineData(360, 480, 360, 480)]
    [InlineData(97, 131, 13, 17)]
    [InlineData(13, 17, 97, 131)]
    public void VectorTaps_EqualTheScalarReferenceBitForBit(int gridHeight, int gridWidth, int height, int width)
    {
        // Taps and weights feed the head and, through its logits, the selection's ties and the goldens, so the
        // vector setup must reproduce the scalar one exactly. Every border row and column is listed (taps outside
        // the map), point counts that are not a multiple of 8 leave a scalar tail, and shuffled cells check that
        // the row division does not depend on order. Grids at or above 2^22 cells take the scalar path by design.
        var random = new Random((gridHeight * 7919) + (gridWidth * 31) + height + width);
        int cellCount = gridHeight * gridWidth;
        var border = Enumerable.Range(0, cellCount).Where(c => c / gridWidth is 0 || c % gridWidth is 0
            || c / gridWidth == gridHeight - 1 || c % gridWidth == gridWidth - 1);
        var sets = new[]
        {
            border.ToArray(),
            Enumerable.Range(0, Math.Min(cellCount, 4099)).Select(_ => random.Next(cellCount)).Order().ToArray(),
            Enumerable.Range(0, Math.Min(cellCount, 1001)).Select(_ => random.Next(cellCount)).ToArray(),
            Enumerable.Range(0, Math.Min(cellCount, 7)).ToArray(),
        };
        foreach (var cells in sets)
        {
            int n = cells.Length;
            var taps = new int[4 * n];
            var weights = new float[4 * n];
            var scalarTaps = new int[4 * n];
            var scalarWeights = new float[4 * n];
            PointSampling.ComputeTaps(cells, gridHeight, gridWidth, height, width, taps, weights);
            PointSampling.ComputeTaps(cells, gridHeight, gridWidth, height, width, scalarTaps, scalarWeights, vectorise: false);
            Assert.Equal(scalarTaps, taps);
            Assert.Equal(scalarWeights.Select(BitConverter.SingleToUInt32Bits), weights.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Fact]
    public void VectorTaps_CellOutsideTheGridInAFullVector_Throws()
    {
        var cells = Enumerable.Range(0, 16).ToArray();
        cells[11] = 49;
        Assert.Throws<ArgumentOutOfRangeException>(() => PointSampling.ComputeTaps(cells, 7, 7, 7, 7, new int[64], new float[64]));
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(7, 13)]
    [InlineData(11, 1003)]
    public void ChannelsSampledFourAtATime_EqualEachChannelSampledAlone(int channels, int points)
    {
        // Channels go four per pass over the taps (one-channel maps take the single-channel loop), so each row must
        // come from its own plane with the same sum order, bit for bit; odd point counts leave a scalar tail.
        const int height = 23, width = 30, gridHeight = 90, gridWidth = 120;
        var random = new Random(channels * 1009 + points);
        var data = Enumerable.Range(0, channels * height * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var cells = Enumerable.Range(0, points).Select(_ => random.Next(gridHeight * gridWidth)).Order().ToArray();
        var together = new float[channels * points];
        PointSampling.SampleAtCellCenters(new FeatureMap(data, channels, height, width), cells, gridHeight, gridWidth, together, 0);
        for (int c = 0; c < channels; c++)
        {
            var alone = new float[points];
            var plane = data.AsMemory(c * height * width, height * width);
            PointSampling.SampleAtCellCenters(new FeatureMap(plane, 1, height, width), cells, gridHeight, gridWidth, alone, 0);
            Assert.Equal(alone.Select(BitConverter.SingleToUInt32Bits), together.Skip(c * points).Take(points).Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Theory]
    [InlineData(32, 4096)]
    [InlineData(16, 13)]
    [InlineData(3, 1003)]
    [InlineData(19, 7)]
    [InlineData(11, 517)] // as many channels as CamVid has classes: one 8-wide run and a scalar tail
    public void ChannelsLastMap_SamplesTheSameFloatsAsItsChannelMajorCopy(int channels, int points)
    {
        // The HWC path writes eight points at a time through a register transpose, then a scalar tail of points; channel
        // counts off the vector width take a scalar tail of channels; grids larger than the map put border taps outside
        // it (weight zero). Every float must equal the CHW path's bit for bit, in the right row and column, after an
        // offset of other channels.
        const int height = 23, width = 30, gridHeight = 92, gridWidth = 124, offset = 5;
        var random = new Random(channels * 7919 + points);
        var chw = Enumerable.Range(0, channels * height * width).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var hwc = new float[chw.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < height * width; i++)
            {
                hwc[(i * channels) + c] = chw[(c * height * width) + i];
            }
        }

        var cells = Enumerable.Range(0, points).Select(_ => random.Next(gridHeight * gridWidth)).Order().ToArray();
        cells[0] = 0; // a corner cell: three of its taps fall outside the map
        var expected = new float[(offset + channels) * points];
        var actual = new float[(offset + channels) * points];
        Array.Fill(expected, -7f);
        Array.Fill(actual, -7f);
        PointSampling.SampleAtCellCenters(new FeatureMap(chw, channels, height, width), cells, gridHeight, gridWidth, expected, offset);
        PointSampling.SampleAtCellCenters(new FeatureMap(hwc, channels, height, width) { ChannelsLast = true }, cells, gridHeight, gridWidth, actual, offset);
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
    }
}
