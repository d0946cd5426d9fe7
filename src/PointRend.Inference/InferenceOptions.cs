namespace PointRend.Inference;

/// <summary>Models, execution provider and request limits; section <c>Inference</c>.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// Folder holding one sub-folder per model. Default (null or empty): <c>&lt;AppContext.BaseDirectory&gt;/models</c>
    /// when it exists, else the first <c>models</c> folder found walking up from the base directory.
    /// A relative path is taken from the base directory.
    /// </summary>
    public string? ModelsPath { get; set; }

    /// <summary>Model used when a request names none. Default <c>camvid</c>.</summary>
    public string DefaultModel { get; set; } = "camvid";

    /// <summary><c>cpu</c>, <c>cuda</c> (fail start when unavailable) or <c>auto</c> (CUDA when listed, else CPU). Default <c>auto</c>.</summary>
    public string ExecutionProvider { get; set; } = "auto";

    /// <summary>ONNX Runtime intra-op threads per session; 0 = ORT default (one per core). Default 0.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Where the point head runs: <c>mlp</c> (default: point_head.onnx's weights in PointRend.Core's SIMD MLP, used when
    /// the graph has the standard point-head shape and matches ONNX Runtime at load, else ONNX Runtime with one log
    /// line) or <c>onnx</c> (always ONNX Runtime; the behaviour before issue 12, kept for comparisons). Applies to semantic and instance models.
    /// </summary>
    public string PointHead { get; set; } = "mlp";

    /// <summary>
    /// Instance models: <see cref="Core.Instances.MaskRefineOptions.RefineBound"/> for every PointRend request (each
    /// step re-predicts only cells with |logit| below it, at most N). 0 (default) = off, the reference algorithm.
    /// An experiment knob for issue 12's quality/cost table, not a serving setting.
    /// </summary>
    public float InstanceRefineBound { get; set; }

    /// <summary>Largest input image in pixels (width x height), checked on the header before decoding. Default 16 777 216 (4096 x 4096).</summary>
    /// <remarks>SegmentTiled accepts images up to this size and splits them. An untiled request costs about 150 bytes per
    /// input pixel (RGB8, float input, stride-1 and stride-4 features), so lower it where memory is tight.</remarks>
    public long MaxImagePixels { get; set; } = 4096L * 4096;

    /// <summary>Largest input width or height in pixels. Default 16384.</summary>
    public int MaxImageSide { get; set; } = 16384;

    /// <summary>Largest output (width x height) in pixels. Default 4 194 304 (2048 x 2048).</summary>
    /// <remarks>The logits alone take K x 4 bytes per output pixel (185 MB for 11 classes at the default).</remarks>
    public long MaxOutputPixels { get; set; } = 2048L * 2048;

    /// <summary>
    /// Synthetic 480x360 frames run through every model before the process serves (embedded gateway) or takes jobs
    /// (worker). Default 8. 0 = none.
    /// </summary>
    /// <remarks>The first frames of a process pay for JIT compilation of the whole path and for ONNX Runtime growing
    /// its arenas (the first takes about 200 ms, the eighth about 45 ms); without warm-up real callers would
    /// (docs/benchmarks.md, "Warm-up").</remarks>
    public int WarmupFrames { get; set; } = 8;

    /// <summary>Problems with the values, each naming its key; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DefaultModel))
        {
            yield return $"{SectionName}:{nameof(DefaultModel)} must name a model folder";
        }

        if (ExecutionProviderChoice.Parse(ExecutionProvider) is null)
        {
            yield return $"{SectionName}:{nameof(ExecutionProvider)} is '{ExecutionProvider}'; it must be cpu, cuda or auto";
        }

        if (IntraOpThreads < 0)
        {
            yield return $"{SectionName}:{nameof(IntraOpThreads)} is {IntraOpThreads}; it must be 0 (ORT default) or more";
        }

        if (!(InstanceRefineBound >= 0f && float.IsFinite(InstanceRefineBound)))
        {
            yield return $"{SectionName}:{nameof(InstanceRefineBound)} is {InstanceRefineBound}; it must be 0 (off) or a positive |logit|";
        }

        if (PointHead is not ("mlp" or "onnx"))
        {
            yield return $"{SectionName}:{nameof(PointHead)} is '{PointHead}'; it must be mlp or onnx";
        }

        if (WarmupFrames < 0)
        {
            yield return $"{SectionName}:{nameof(WarmupFrames)} is {WarmupFrames}; it must be 0 (no warm-up) or more";
        }

        if (MaxImagePixels <= 0 || MaxImageSide <= 0 || MaxOutputPixels <= 0)
        {
            yield return $"{SectionName}:{nameof(MaxImagePixels)}, {nameof(MaxImageSide)} and {nameof(MaxOutputPixels)} must be positive";
        }
    }
}
