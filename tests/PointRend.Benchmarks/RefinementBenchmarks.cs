using BenchmarkDotNet.Attributes;
using PointRend.Core;

namespace PointRend.Benchmarks;

/// <summary>
/// The CPU side of one PointRend frame with the shipped model's shapes (480x368 input, 11 classes, coarse /16, fine
/// /4 32 ch, edge /2 16 ch, image 3 ch; 4 steps x 8192 points), without ONNX Runtime: the stages of the last,
/// largest step, and a whole render whose point head only copies the coarse logits it is given.
/// </summary>
[MemoryDiagnoser]
public class RefinementBenchmarks
{
    private const int Classes = 11;
    private const int Height = 368;
    private const int Width = 480;
    private const int Points = 8192;

    private float[] _halfLogits = [];
    private float[] _logits = [];
    private float[] _uncertainty = [];
    private int[] _selected = [];
    private float[] _pointFeatures = [];
    private float[] _pointLogits = [];
    private FeatureMap _coarse;
    private FeatureMap[] _features = [];
    private CopyCoarseHead _head = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();

        _halfLogits = Fill(Classes * (Height / 2) * (Width / 2));
        _logits = new float[Classes * Height * Width];
        BilinearUpsample.Upsample2x(_halfLogits, Classes, Height / 2, Width / 2, _logits);
        _uncertainty = new float[Height * Width];
        _selected = new int[Points];
        _coarse = new FeatureMap(Fill(Classes * 23 * 30), Classes, 23, 30);
        _features =
        [
            new FeatureMap(Fill(32 * 92 * 120), 32, 92, 120),
            new FeatureMap(Fill(16 * 184 * 240), 16, 184, 240),
            new FeatureMap(Fill(3 * Height * Width), 3, Height, Width),
        ];
        _head = new CopyCoarseHead(32 + 16 + 3, Classes);
        _pointFeatures = new float[_head.InChannels * Points];
        _pointLogits = new float[Classes * Points];
        UncertaintyMap.TopTwoGap(_logits, Classes, Height * Width, _uncertainty);
        PointSelection.SelectMostUncertain(_uncertainty, Points, _selected);
    }

    [Benchmark(Description = "upsample 2x: 11 x 184x240 -> 368x480")]
    public void Upsample() => BilinearUpsample.Upsample2x(_halfLogits, Classes, Height / 2, Width / 2, _logits);

    [Benchmark(Description = "uncertainty: top-two gap, 11 x 176,640 cells")]
    public void Uncertainty() => UncertaintyMap.TopTwoGap(_logits, Classes, Height * Width, _uncertainty);

    [Benchmark(Description = "select 8192 most uncertain of 176,640")]
    public int Select() => PointSelection.SelectMostUncertain(_uncertainty, Points, _selected);

    [Benchmark(Description = "sample 62 channels at 8192 points")]
    public void Sample()
    {
        int offset = 0;
        foreach (var map in _features)
        {
            PointSampling.SampleAtCellCenters(map, _selected, Height, Width, _pointFeatures, offset);
            offset += map.Channels;
        }

        PointSampling.SampleAtCellCenters(_coarse, _selected, Height, Width, _pointFeatures, offset);
    }

    [Benchmark(Description = "scatter 11 x 8192 point logits")]
    public void Scatter() => PointScatter.Scatter(_pointLogits, Classes, _selected, _logits, Height * Width);

    [Benchmark(Description = "whole render, 4 steps x 8192, head excluded")]
    public int Render()
    {
        using var result = SubdivisionRenderer.Render(_coarse, _features, _head, new RenderOptions(RenderMode.PointRend, 4, Points, Height, Width));
        return result.PointsRefined;
    }

    /// <summary>A point head that costs nothing: its answer is the coarse logits it was given (the last channels).</summary>
    private sealed class CopyCoarseHead(int featureChannels, int classes) : IPointHead
    {
        public int InChannels => featureChannels + classes;

        public int Classes => classes;

        public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits) =>
            pointFeatures.Slice(featureChannels * points, classes * points).CopyTo(pointLogits);
    }
}
