// Shape shorthand: K classes, C = InChannels, P points; buffers channel-major ([c * P + p]).
// Coordinates: none; these heads only see already sampled point features.
namespace PointRend.Core.Tests;

/// <summary>logits[k, p] = sum_c W[k, c] * features[c, p] + b[k], with fixed small weights; records batch sizes.</summary>
internal sealed class LinearHead(int inChannels, int classes) : IPointHead
{
    public int InChannels { get; } = inChannels;

    public int Classes { get; } = classes;

    public int MaxBatch { get; private set; }

    public long TotalPoints { get; private set; }

    public int Calls { get; private set; }

    public float Weight(int k, int c) => (((k + 1) * (c + 2)) % 7 - 3) * 0.25f;

    public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
    {
        Assert.Equal(InChannels * points, pointFeatures.Length);
        Assert.Equal(Classes * points, pointLogits.Length);
        MaxBatch = Math.Max(MaxBatch, points);
        TotalPoints += points;
        Calls++;
        for (int k = 0; k < Classes; k++)
        {
            for (int p = 0; p < points; p++)
            {
                float sum = 0.5f * k;
                for (int c = 0; c < InChannels; c++)
                {
                    sum += Weight(k, c) * pointFeatures[c * points + p];
                }

                pointLogits[k * points + p] = sum;
            }
        }
    }
}

/// <summary>Keeps a copy of the last feature buffer and returns fixed logits for every point.</summary>
internal sealed class RecordingHead(int inChannels, float[] logitsPerPoint) : IPointHead
{
    public int InChannels { get; } = inChannels;

    public int Classes => logitsPerPoint.Length;

    public float[] LastFeatures { get; private set; } = [];

    public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
    {
        LastFeatures = pointFeatures.ToArray();
        for (int k = 0; k < Classes; k++)
        {
            pointLogits.Slice(k * points, points).Fill(logitsPerPoint[k]);
        }
    }
}

internal static class Maps
{
    public static FeatureMap Random(int channels, int height, int width, int seed)
    {
        var random = new Random(seed);
        var data = new float[channels * height * width];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 4 - 2);
        }

        return new FeatureMap(data, channels, height, width);
    }
}
