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

    public static (MlpPointHead? Head, string? Problem) Load(string path, ModelManifest manifest, InferenceSession session) =>
        Load(path, manifest.PointHead.InChannels, manifest.Classes.Count, session, manifest.PointHead.Input, manifest.PointHead.Output);

    /// <summary>
    /// Any point head of the StandardPointHead shape: a semantic model's (K classes) or an instance model's (one mask
    /// logit, the coarse logit as the last input channel).
    /// </summary>
    public static (MlpPointHead? Head, string? Problem) Load(string path, int inChannels, int classes, InferenceSession session, string inputName, string outputName)
    {
        if (!MlpPointHead.IsAccelerated)
        {
            return (null, "this CPU has neither AVX-512 nor AVX2 with FMA");
        }

        var (head, problem) = PointHeadGraph.TryRead(path, inChannels, classes);
        if (head is null)
        {
            return (null, problem);
        }

        float worst = MaxDifference(head, session, inputName, outputName);
        return worst <= Tolerance
            ? (head, null)
            : (null, $"{Path.GetFileName(path)}: the MLP differs from ONNX Runtime by {worst} on probe points (tolerance {Tolerance})");
    }

    /// <summary>Largest |ONNX Runtime - MLP| over seeded features in the range real features take (about -4..4).</summary>
    public static float MaxDifference(MlpPointHead head, InferenceSession session, ModelManifest manifest) =>
        MaxDifference(head, session, manifest.PointHead.Input, manifest.PointHead.Output);

    public static float MaxDifference(MlpPointHead head, InferenceSession session, string inputName, string outputName)
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
            session.Run(runOptions, [inputName], [input], [outputName], [output]);
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
