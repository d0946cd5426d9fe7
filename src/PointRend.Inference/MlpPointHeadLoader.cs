// Shape shorthand: K classes, C = point_head.in_channels, P probe points; buffers channel-major ([c * P + p]).
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;

namespace PointRend.Inference;

/// <summary>Builds the <see cref="MlpPointHead"/> for a model and proves it computes what the ONNX session computes.</summary>
internal static class MlpPointHeadLoader
{
    /// <summary>Probe points: not a multiple of any block size, so full blocks and the padded tail are both compared.</summary>
    public const int ProbePoints = 77;

    /// <summary>Largest |ONNX - MLP| accepted on the probe; float rounding of a 75-term sum is about 1e-5 here.</summary>
    public const float Tolerance = 1e-3f;

    public static (MlpPointHead? Head, string? Problem) Load(string path, ModelManifest manifest, InferenceSession session)
    {
        if (!MlpPointHead.IsAccelerated)
        {
            return (null, "this CPU has neither AVX-512 nor AVX2 with FMA");
        }

        var (head, problem) = PointHeadGraph.TryRead(path, manifest.PointHead.InChannels, manifest.Classes.Count);
        if (head is null)
        {
            return (null, problem);
        }

        float worst = MaxDifference(head, session, manifest);
        return worst <= Tolerance
            ? (head, null)
            : (null, $"{LoadedModel.PointHeadFile}: the MLP differs from ONNX Runtime by {worst} on probe points (tolerance {Tolerance})");
    }

    /// <summary>Largest |ONNX Runtime - MLP| over seeded features in the range real features take (about -4..4).</summary>
    public static float MaxDifference(MlpPointHead head, InferenceSession session, ModelManifest manifest)
    {
        var random = new Random(12);
        var features = new float[head.InChannels * ProbePoints];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)((random.NextDouble() * 8) - 4);
        }

        var expected = new float[head.Classes * ProbePoints];
        using (var input = OrtValue.CreateTensorValueFromMemory(features, [1L, head.InChannels, ProbePoints]))
        using (var output = OrtValue.CreateTensorValueFromMemory(expected, [1L, head.Classes, ProbePoints]))
        using (var runOptions = new RunOptions())
        {
            session.Run(runOptions, [manifest.PointHead.Input], [input], [manifest.PointHead.Output], [output]);
        }

        var actual = new float[expected.Length];
        head.Predict(features, ProbePoints, actual);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = MathF.Abs(expected[i] - actual[i]);
            worst = float.IsNaN(d) ? float.PositiveInfinity : MathF.Max(worst, d);
        }

        return worst;
    }
}
