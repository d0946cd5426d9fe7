using Microsoft.ML.OnnxRuntime;
using PointRend.Core.Instances;

namespace PointRend.Inference.Instances;

/// <summary>
/// One instance model folder with its two sessions (detector.onnx, point_head.onnx), created once per process and
/// shared by every request (Run is thread-safe).
/// </summary>
public sealed class InstanceModel : IDisposable
{
    private InstanceModel(InstanceManifest manifest, InferenceSession detector, InferenceSession pointHead, ExecutionProviderKind provider, int threads, MlpBoxPointHead? mlpHead, string? mlpHeadProblem)
    {
        Threads = threads;
        Manifest = manifest;
        Detector = detector;
        PointHead = pointHead;
        Provider = provider;
        MlpHead = mlpHead;
        MlpHeadProblem = mlpHeadProblem;
    }

    public InstanceManifest Manifest { get; }

    /// <summary>ONNX Runtime's intra-op threads for this model's sessions (0 resolved to one per core): what the MLP
    /// head and the refinement's per-detection host work may use.</summary>
    public int Threads { get; }

    public string Name => Manifest.Name;

    public InferenceSession Detector { get; }

    public InferenceSession PointHead { get; }

    public ExecutionProviderKind Provider { get; }

    /// <summary>
    /// point_head.onnx's weights in <see cref="MlpBoxPointHead"/>, checked at load against the session on probe points
    /// (as <see cref="LoadedModel.MlpHead"/>); null when the graph is not that shape or the CPU lacks AVX2+FMA.
    /// </summary>
    public MlpBoxPointHead? MlpHead { get; }

    /// <summary>Why <see cref="MlpHead"/> is null (for one log line at start); null when it is set.</summary>
    public string? MlpHeadProblem { get; }

    /// <summary>model.json's refinement defaults (784 points, 3 steps for pennfudan).</summary>
    public MaskRefineOptions DefaultRefine => new(MaskMode.PointRend, Manifest.Mask.Points, Manifest.Mask.Steps);

    /// <exception cref="InvalidDataException">Missing file or model.json disagreeing with the graphs; the message lists every difference.</exception>
    public static InstanceModel Load(string directory, ExecutionProviderKind provider, int intraOpThreads)
    {
        var manifest = InstanceManifest.ReadFolder(directory);
        foreach (var file in new[] { manifest.Detector.File, manifest.PointHead.File })
        {
            if (!File.Exists(Path.Combine(directory, file)))
            {
                throw new InvalidDataException($"{Path.Combine(directory, file)} is missing; an instance model folder holds model.json and the detector and point head files it names");
            }
        }

        InferenceSession? detector = null;
        InferenceSession? head = null;
        try
        {
            // ORT would log its own error for every photo without detections (InstanceDetector.IsNoDetectionFailure),
            // which the engine answers normally; real failures still surface as exceptions.
            detector = LoadedModel.CreateSession(Path.Combine(directory, manifest.Detector.File), provider, intraOpThreads, quietErrors: true);
            head = LoadedModel.CreateSession(Path.Combine(directory, manifest.PointHead.File), provider, intraOpThreads);
            var problems = InstanceContract.Check(
                manifest,
                TensorSpec.From(detector.InputMetadata),
                TensorSpec.From(detector.OutputMetadata),
                TensorSpec.From(head.InputMetadata),
                TensorSpec.From(head.OutputMetadata));
            if (problems.Count == 0)
            {
                problems = InstanceContract.Probe(manifest, detector, head);
            }

            if (problems.Count > 0)
            {
                throw new InvalidDataException($"model '{manifest.Name}' ({directory}) breaks docs/model-contract.md (instance models): {string.Join("; ", problems)}");
            }

            // One mask logit per point: the coarse logit is the last of in_channels, as K logits are for semantic heads.
            var (mlp, why) = MlpPointHeadLoader.Load(
                Path.Combine(directory, manifest.PointHead.File), manifest.PointHead.InChannels, 1, head, manifest.PointHead.Input, manifest.PointHead.Output);
            // The MLP gets the threads ONNX Runtime's sessions get (0 = ORT's default of one per core), so the two
            // heads and the detector share the same cores in comparisons and in serving.
            int threads = intraOpThreads > 0 ? intraOpThreads : Environment.ProcessorCount;
            return new InstanceModel(manifest, detector, head, provider, threads, mlp is null ? null : new MlpBoxPointHead(mlp, threads), why);
        }
        catch
        {
            detector?.Dispose();
            head?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Detector.Dispose();
        PointHead.Dispose();
    }
}
