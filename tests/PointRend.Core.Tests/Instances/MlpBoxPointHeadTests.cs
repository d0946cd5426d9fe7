// Shape shorthand: R detections, C = 6 input channels (5 features + the coarse logit), P points, H = 16 hidden.
// Coordinates: none; the head sees features only.
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

public sealed class MlpBoxPointHeadTests
{
    [Fact]
    public void Predict_OnTwoThreads_EqualsOneThreadBitForBit()
    {
        // Sharing detections among threads is a speed-up only: each detection's logits are computed alone either way.
        var head = Head();
        const int detections = 7, points = 37;
        var random = new Random(5);
        var features = Enumerable.Range(0, detections * head.InChannels * points).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var single = new float[detections * points];
        var shared = new float[detections * points];

        new MlpBoxPointHead(head, threads: 1).Predict(features, detections, points, single);
        new MlpBoxPointHead(head, threads: 2).Predict(features, detections, points, shared);

        Assert.Equal(single, shared);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Predict_WithCounts_WritesOnlyEachDetectionsFirstPoints(int threads)
    {
        var head = Head();
        const int detections = 3, points = 40;
        var random = new Random(9);
        var features = Enumerable.Range(0, detections * head.InChannels * points).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var all = new float[detections * points];
        var some = Enumerable.Repeat(float.NaN, detections * points).ToArray();
        int[] counts = [0, 17, 40];

        var box = new MlpBoxPointHead(head, threads);
        box.Predict(features, detections, points, all);
        ((IBoxPointHead)box).Predict(features, detections, points, counts, some);

        for (var r = 0; r < detections; r++)
        {
            for (var p = 0; p < points; p++)
            {
                var i = (r * points) + p;
                Assert.Equal(p < counts[r] ? all[i] : float.NaN, some[i]);
            }
        }
    }

    private static MlpPointHead Head()
    {
        var random = new Random(3);
        float Next() => (float)(random.NextDouble() - 0.5);
        MlpLayer Layer(int outputs, int inputs) => new(
            Enumerable.Range(0, outputs * inputs).Select(_ => Next()).ToArray(), Enumerable.Range(0, outputs).Select(_ => Next()).ToArray(), outputs, inputs);
        return new MlpPointHead(6, 1, [Layer(16, 6), Layer(16, 17), Layer(1, 17)]);
    }
}
