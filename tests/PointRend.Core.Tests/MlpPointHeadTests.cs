// Shape shorthand: K classes, C input channels (features, then the K coarse logits), P points, H hidden channels.
// Buffers are channel-major ([c * P + p]).
namespace PointRend.Core.Tests;

public class MlpPointHeadTests
{
    private const int Classes = 3;
    private const int InChannels = 7 + Classes;

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(4173)]
    public void Predict_EqualsTheStandardPointHeadComputedInDouble(int points)
    {
        // Hidden width 9 is not a multiple of the kernel's output groups, and the point counts cross every block
        // size (16 and 32 points) with and without a tail, so padding and the tail copy are exercised.
        var layers = Layers(hidden: 9, count: 3, seed: 5);
        var head = new MlpPointHead(InChannels, Classes, layers);
        var features = Maps.Random(InChannels, 1, points, seed: points).Data.ToArray();
        var actual = new float[Classes * points];

        head.Predict(features, points, actual);

        var expected = Reference(layers, features, points);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4, $"logit {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void Predict_WritesNothingPastThePoints()
    {
        var head = new MlpPointHead(InChannels, Classes, Layers(hidden: 8, count: 2, seed: 1));
        var features = Maps.Random(InChannels, 1, 5, seed: 2).Data.ToArray();
        var logits = Enumerable.Repeat(float.NaN, Classes * 5 + 11).ToArray();

        head.Predict(features, 5, logits);

        Assert.All(logits[..(Classes * 5)], v => Assert.False(float.IsNaN(v)));
        Assert.All(logits[(Classes * 5)..], v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(4173)]
    public void Predict_OnTwoThreads_EqualsOneThreadBitForBit(int points)
    {
        // Sharing a call's points among threads is a speed-up only: each point's logits are computed alone either
        // way. The counts leave a partial last chunk and a partial last block; repeated calls reuse pooled state.
        var head = new MlpPointHead(InChannels, Classes, Layers(hidden: 9, count: 3, seed: 5));
        var features = Maps.Random(InChannels, 1, points, seed: points).Data.ToArray();
        var single = new float[Classes * points];
        new ParallelMlpPointHead(head, threads: 1).Predict(features, points, single);

        var shared = new ParallelMlpPointHead(head, threads: 2);
        for (int call = 0; call < 5; call++)
        {
            var logits = Enumerable.Repeat(float.NaN, (Classes * points) + 7).ToArray();
            shared.Predict(features, points, logits);
            Assert.Equal(single, logits[..(Classes * points)]);
            Assert.All(logits[(Classes * points)..], v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void Predict_OnTwoThreads_FromConcurrentCallers_GivesEachCallItsOwnLogits()
    {
        // Gateway workers share one head: calls in flight at once must not mix their points or pooled state.
        var head = new MlpPointHead(InChannels, Classes, Layers(hidden: 8, count: 2, seed: 1));
        var shared = new ParallelMlpPointHead(head, threads: 2);
        int[] sizes = [300, 777, 1500, 2049, 513, 999];
        var features = sizes.Select(n => Maps.Random(InChannels, 1, n, seed: n).Data.ToArray()).ToArray();
        var expected = sizes.Select((n, i) =>
        {
            var logits = new float[Classes * n];
            head.Predict(features[i], n, logits);
            return logits;
        }).ToArray();

        Parallel.For(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 4 }, call =>
        {
            int i = call % sizes.Length;
            var logits = new float[Classes * sizes[i]];
            shared.Predict(features[i], sizes[i], logits);
            Assert.Equal(expected[i], logits);
        });
    }

    [Fact]
    public void Layers_ThatDoNotChain_AreRefusedWithTheShapes()
    {
        var layers = Layers(hidden: 8, count: 2, seed: 1);
        var broken = new[] { layers[0], layers[1] with { Inputs = 8, Weights = new float[Classes * 8] } };
        var ex = Assert.Throws<ArgumentException>(() => new MlpPointHead(InChannels, Classes, broken));
        Assert.Contains("Layer 1 is 3 x 8", ex.Message);
        Assert.Contains("must read 11 inputs", ex.Message);
    }

    /// <summary>StandardPointHead: layer 0 reads all inputs; later layers the ReLU of the previous plus the coarse logits.</summary>
    private static double[] Reference(IReadOnlyList<MlpLayer> layers, float[] features, int points)
    {
        var output = new double[Classes * points];
        for (int p = 0; p < points; p++)
        {
            double[] input = Enumerable.Range(0, InChannels).Select(c => (double)features[c * points + p]).ToArray();
            double[] coarse = input[^Classes..];
            for (int l = 0; l < layers.Count; l++)
            {
                var layer = layers[l];
                var next = new double[layer.Outputs];
                for (int o = 0; o < layer.Outputs; o++)
                {
                    double sum = layer.Bias[o];
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        sum += layer.Weights[o * layer.Inputs + i] * input[i];
                    }

                    next[o] = l < layers.Count - 1 ? Math.Max(sum, 0) : sum;
                }

                input = l < layers.Count - 1 ? [.. next, .. coarse] : next;
            }

            for (int k = 0; k < Classes; k++)
            {
                output[k * points + p] = input[k];
            }
        }

        return output;
    }

    private static MlpLayer[] Layers(int hidden, int count, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)(random.NextDouble() - 0.5);
        var layers = new MlpLayer[count];
        int inputs = InChannels;
        for (int l = 0; l < count; l++)
        {
            int outputs = l == count - 1 ? Classes : hidden;
            layers[l] = new MlpLayer(
                Enumerable.Range(0, outputs * inputs).Select(_ => Next()).ToArray(),
                Enumerable.Range(0, outputs).Select(_ => Next()).ToArray(),
                outputs,
                inputs);
            inputs = outputs + Classes;
        }

        return layers;
    }
}
