// Shape shorthand: P points of one detection; planar taps and weights 4 x P ([k * P + p]).
// Coordinates: boxes in model-input pixels, some reaching past the map so that taps fall outside it.
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

public sealed class BoxPointSamplingTests
{
    [Theory]
    [InlineData(7, 100)]
    [InlineData(28, 784)]
    [InlineData(30, 333)]
    [InlineData(224, 784)]
    public void SetBoxTaps_EqualsTheScalarSetTapsOfEveryPoint(int grid, int points)
    {
        // The vector tap setup must give the reference's taps and weights bit for bit, or the selection's ties
        // and the goldens move; odd grid sides and boxes hanging over the map edges exercise the row division
        // and the zero padding.
        var random = new Random(grid * 7919 + points);
        var cells = Enumerable.Range(0, points).Select(_ => random.Next(grid * grid)).Order().ToArray();
        var boxes = new[] { new DetectionBox(-5.5f, -3.25f, 40.75f, 70.1f), new DetectionBox(3.3f, 7.7f, 127.9f, 95.2f), new DetectionBox(100.1f, 60.2f, 131.7f, 99.9f) };
        foreach (var box in boxes)
        {
            foreach (var (height, width, stride) in new[] { (24, 32, 4), (48, 64, 2), (96, 128, 1) })
            {
                var taps = new int[4 * points];
                var weights = new float[4 * points];
                BoxPointSampling.SetBoxTaps(cells, grid, grid, box.X0, box.X1 - box.X0, width * stride, box.Y0, box.Y1 - box.Y0, height * stride, height, width, taps, weights);

                var oneTaps = new int[4];
                var oneWeights = new float[4];
                for (var p = 0; p < points; p++)
                {
                    var (u, v) = BoxPointSampling.CellCentre(cells[p], grid, grid);
                    BoxPointSampling.SetTaps((box.X0 + (u * (box.X1 - box.X0))) / (width * stride), (box.Y0 + (v * (box.Y1 - box.Y0))) / (height * stride), height, width, oneTaps, oneWeights, 0);
                    for (var k = 0; k < 4; k++)
                    {
                        Assert.Equal(oneTaps[k], taps[(k * points) + p]);
                        Assert.Equal(BitConverter.SingleToUInt32Bits(oneWeights[k]), BitConverter.SingleToUInt32Bits(weights[(k * points) + p]));
                    }
                }
            }
        }
    }

    [Fact]
    public void SetBoxTaps_CellOutsideTheGrid_Throws()
    {
        var cells = Enumerable.Range(0, 16).ToArray();
        cells[11] = 49;

        Assert.Throws<ArgumentOutOfRangeException>(() => BoxPointSampling.SetBoxTaps(cells, 7, 7, 0, 1, 1, 0, 1, 1, 7, 7, new int[64], new float[64]));
    }

    [Theory]
    [InlineData(64, 784)]
    [InlineData(16, 333)]
    [InlineData(3, 21)]
    [InlineData(13, 9)]
    public void SampleFine_ChannelsLastMap_EqualsTheSameMapChannelMajorBitForBit(int channels, int points)
    {
        // detector.onnx hands p2 and edge over channels-last; the head must see the same floats as from the planar map
        // (the goldens and the selection's ties rest on it), for any channel count, point count and boxes over the edge.
        const int height = 24, width = 32, stride = 4, total = 90, offset = 5;
        var random = new Random(channels * 31 + points);
        var planar = new float[channels * height * width];
        for (var i = 0; i < planar.Length; i++)
        {
            planar[i] = (float)(random.NextDouble() * 4 - 2);
        }

        var interleaved = new float[planar.Length];
        for (var c = 0; c < channels; c++)
        {
            for (var pixel = 0; pixel < height * width; pixel++)
            {
                interleaved[(pixel * channels) + c] = planar[(c * height * width) + pixel];
            }
        }

        var boxes = new[] { new DetectionBox(-5.5f, -3.25f, 40.75f, 70.1f), new DetectionBox(3.3f, 7.7f, 127.9f, 95.2f), new DetectionBox(100.1f, 60.2f, 131.7f, 99.9f) };
        var cells = Enumerable.Range(0, boxes.Length * points).Select(_ => random.Next(56 * 56)).ToArray();
        var want = new float[boxes.Length * total * points];
        var got = new float[want.Length];
        BoxPointSampling.SampleFine(new StridedMap(new FeatureMap(planar, channels, height, width), stride), boxes, cells, points, 56, 56, want, total, offset);
        BoxPointSampling.SampleFine(new StridedMap(new FeatureMap(interleaved, channels, height, width) { ChannelsLast = true }, stride), boxes, cells, points, 56, 56, got, total, offset);

        Assert.Contains(want, v => v != 0f);
        for (var i = 0; i < want.Length; i++)
        {
            Assert.True(BitConverter.SingleToUInt32Bits(want[i]) == BitConverter.SingleToUInt32Bits(got[i]), $"float {i} (detection {i / (total * points)}, channel {i / points % total}): {want[i]} vs {got[i]}");
        }
    }
}
