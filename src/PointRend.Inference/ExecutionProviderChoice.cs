namespace PointRend.Inference;

public enum ExecutionProviderKind
{
    Cpu,
    Cuda,
}

/// <summary>Turns <c>Inference:ExecutionProvider</c> and the providers this ORT build lists into the provider to use.</summary>
public static class ExecutionProviderChoice
{
    public const string CudaProvider = "CUDAExecutionProvider";
    public const string CpuProvider = "CPUExecutionProvider";
    private const string Key = InferenceOptions.SectionName + ":" + nameof(InferenceOptions.ExecutionProvider);

    /// <summary>null for an unknown value.</summary>
    public static string? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "cpu" => "cpu",
        "cuda" => "cuda",
        "auto" or "" or null => "auto",
        _ => null,
    };

    /// <param name="requested">cpu | cuda | auto.</param>
    /// <param name="available">From <c>OrtEnv.Instance().GetAvailableProviders()</c>.</param>
    /// <param name="fellBack">True when <c>auto</c> wanted CUDA and got CPU (worth one log line).</param>
    /// <exception cref="InvalidOperationException"><c>cuda</c> requested but not in <paramref name="available"/>, or an unknown value.</exception>
    public static ExecutionProviderKind Choose(string? requested, IReadOnlyCollection<string> available, out bool fellBack)
    {
        fellBack = false;
        var hasCuda = available.Contains(CudaProvider);
        switch (Parse(requested))
        {
            case "cpu":
                return ExecutionProviderKind.Cpu;
            case "cuda" when hasCuda:
                return ExecutionProviderKind.Cuda;
            case "cuda":
                throw new InvalidOperationException(
                    $"{Key} is 'cuda' but this ONNX Runtime build lists only [{string.Join(", ", available)}]. " +
                    "Build with -p:OnnxRuntimeFlavour=Gpu on a machine with CUDA, or set " + Key + " to auto or cpu.");
            case "auto":
                fellBack = !hasCuda;
                return hasCuda ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu;
            default:
                throw new InvalidOperationException($"{Key} is '{requested}'; it must be cpu, cuda or auto");
        }
    }
}
