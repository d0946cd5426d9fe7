using Microsoft.ML.OnnxRuntime;
using PointRend.Core;

namespace PointRend.Inference;

/// <summary>
/// One model folder with its two sessions. Sessions are expensive to create and <c>Run</c> is thread-safe,
/// so each is created once per process and shared by every request.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    public const string CoarseFile = "coarse.onnx";
    public const string PointHeadFile = "point_head.onnx";

    private LoadedModel(ModelManifest manifest, InferenceSession coarse, InferenceSession pointHead, ExecutionProviderKind provider, ParallelMlpPointHead? mlpHead, string? mlpHeadProblem)
    {
        Manifest = manifest;
        Coarse = coarse;
        PointHead = pointHead;
        Provider = provider;
        Palette = Overlays.Palette(manifest);
        MlpHead = mlpHead;
        MlpHeadProblem = mlpHeadProblem;
    }

    public ModelManifest Manifest { get; }

    public string Name => Manifest.Name;

    public InferenceSession Coarse { get; }

    public InferenceSession PointHead { get; }

    public ExecutionProviderKind Provider { get; }

    /// <summary>
    /// point_head.onnx's weights in <see cref="MlpPointHead"/>, checked at load against the session on probe points;
    /// null when the graph is not that shape, the CPU lacks the vector instructions, or the two disagree. A call's
    /// points are shared among ONNX Runtime's intra-op thread count (<c>Inference:IntraOpThreads</c>).
    /// </summary>
    public ParallelMlpPointHead? MlpHead { get; }

    /// <summary>Why <see cref="MlpHead"/> is null (for one log line at start); null when it is set.</summary>
    public string? MlpHeadProblem { get; }

    /// <summary>RGB triplets indexed by class id (768 bytes), for overlays without a per-pixel lookup object.</summary>
    public byte[] Palette { get; }

    public int Classes => Manifest.Classes.Count;

    /// <exception cref="InvalidDataException">Missing file or model.json disagreeing with the graphs; the message lists every difference.</exception>
    public static LoadedModel Load(string directory, ExecutionProviderKind provider, int intraOpThreads)
    {
        var manifest = ModelManifests.ReadFolder(directory);

        InferenceSession? coarse = null;
        InferenceSession? head = null;
        try
        {
            coarse = CreateSession(Path.Combine(directory, CoarseFile), provider, intraOpThreads);
            head = CreateSession(Path.Combine(directory, PointHeadFile), provider, intraOpThreads);
            var problems = ModelContract.Check(
                manifest,
                TensorSpec.From(coarse.InputMetadata),
                TensorSpec.From(coarse.OutputMetadata),
                TensorSpec.From(head.InputMetadata),
                TensorSpec.From(head.OutputMetadata));
            if (problems.Count == 0)
            {
                problems = ProbeShapes(manifest, coarse, head);
            }

            if (problems.Count > 0)
            {
                throw new InvalidDataException($"model '{manifest.Name}' ({directory}) breaks docs/model-contract.md: {string.Join("; ", problems)}");
            }

            var (mlp, why) = MlpPointHeadLoader.Load(Path.Combine(directory, PointHeadFile), manifest, head);
            // The refinement runs after the coarse network on the same request, so it gets the threads ONNX Runtime's
            // sessions get (0 = ORT's default of one per core), as the instance model's head does.
            int threads = intraOpThreads > 0 ? intraOpThreads : Environment.ProcessorCount;
            return new LoadedModel(manifest, coarse, head, provider, mlp is null ? null : new ParallelMlpPointHead(mlp, threads), why);
        }
        catch
        {
            coarse?.Dispose();
            head?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Coarse.Dispose();
        PointHead.Dispose();
    }

    /// <summary>
    /// Runs both graphs once on a small input. Metadata leaves spatial dims variable, so only a run shows whether
    /// the strides in model.json hold; the engine relies on them to pre-allocate outputs. It also warms the sessions.
    /// </summary>
    private static List<string> ProbeShapes(ModelManifest m, InferenceSession coarse, InferenceSession head)
    {
        var problems = new List<string>();
        var side = Math.Max(64, m.Input.SizeMultiple);
        side = (side + m.Input.SizeMultiple - 1) / m.Input.SizeMultiple * m.Input.SizeMultiple;
        var k = m.Classes.Count;
        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * side * side], [1L, 3, side, side]);
        using var runOptions = new RunOptions();
        var names = m.Features.Select(f => f.Name).Prepend(m.Coarse.Output).ToArray();
        var expected = m.Features.Select(f => (f.Channels, f.Stride, f.ChannelsLast)).Prepend((k, m.Coarse.Stride, false)).ToArray();
        using (var outputs = coarse.Run(runOptions, [m.Input.Name], [input], names))
        {
            for (var i = 0; i < names.Length; i++)
            {
                var (c, stride, channelsLast) = expected[i];
                long[] want = channelsLast ? [1, side / stride, side / stride, c] : [1, c, side / stride, side / stride];
                var got = outputs[i].GetTensorTypeAndShape().Shape;
                if (!got.SequenceEqual(want))
                {
                    problems.Add($"coarse.onnx output '{names[i]}' for a {side}x{side} input is [{string.Join(", ", got)}]; model.json (stride {stride}{(channelsLast ? ", NHWC" : string.Empty)}) implies [{string.Join(", ", want)}]");
                }
            }
        }

        const int points = 4;
        using var features = OrtValue.CreateTensorValueFromMemory(new float[m.PointHead.InChannels * points], [1L, m.PointHead.InChannels, points]);
        using var logits = head.Run(runOptions, [m.PointHead.Input], [features], [m.PointHead.Output]);
        var shape = logits[0].GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual([1L, k, points]))
        {
            problems.Add($"point_head.onnx output for {points} points is [{string.Join(", ", shape)}]; the contract needs [1, {k}, {points}]");
        }

        return problems;
    }

    internal static InferenceSession CreateSession(string path, ExecutionProviderKind provider, int intraOpThreads, bool quietErrors = false)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} is missing; a model folder holds model.json, {CoarseFile} and {PointHeadFile}");
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // Each request alternates two sessions (coarse, then point head in chunks), and pool workers run side by
        // side: ORT's default spin-wait keeps one session's idle threads busy while the other needs the cores.
        // Off, a 480x360 PointRend frame went from 75 to 47 ms p50 on 2 cores (docs/benchmarks.md).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (quietErrors)
        {
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        }

        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }

        if (provider == ExecutionProviderKind.Cuda)
        {
            // Only reached when GetAvailableProviders() listed CUDA: the CPU package throws EntryPointNotFoundException here.
            options.AppendExecutionProvider_CUDA(0);
        }

        return new InferenceSession(path, options);
    }
}
