// Shape shorthand: R detections, C channels, P points per detection; point buffers R x C x P.
// Coordinates: boxes in model-input pixels, partly outside a 40 x 48 input so some taps fall off the map.
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

/// <summary>The pixel-major copy of a wide fine map samples exactly what the per-plane sampler does.</summary>
public sealed class InterleavedMapTests
{
    [Theory]
    [InlineData(64, 4, 28)]
    [InlineData(16, 2, 56)]
    public void Sample_EqualsSampleFine_BitForBit(int channels, int stride, int grid)
    {
        const int height = 40, width = 48, detections = 3, points = 200, totalChannels = 100, offset = 7;
        var random = new Random(channels + grid);
        var data = new float[channels * (height / stride) * (width / stride)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 10) - 5);
        }

        var map = new StridedMap(new FeatureMap(data, channels, height / stride, width / stride), stride);
        DetectionBox[] boxes = [new(-6.5f, 3.25f, 20.75f, 41.5f), new(10f, 0f, 47.9f, 39.9f), new(30.3f, 12.7f, 55f, 30.1f)];
        var cells = new int[detections * points];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = random.Next(grid * grid);
        }

        var expected = new float[detections * totalChannels * points];
        var actual = new float[expected.Length];
        BoxPointSampling.SampleFine(map, boxes, cells, points, grid, grid, expected, totalChannels, offset);
        Assert.True(InterleavedMap.Suits(map) || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
        using var interleaved = InterleavedMap.From(map);
        interleaved.Sample(boxes, cells, points, grid, grid, actual, totalChannels, offset);

        Assert.Contains(expected, v => v != 0f);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"element {i}: {expected[i]} vs {actual[i]}");
        }
    }
}
