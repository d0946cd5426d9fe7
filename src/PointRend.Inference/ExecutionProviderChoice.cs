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

    /// <summary>What the CUDA provider of the pinned ONNX Runtime (1.31.0, Microsoft.ML.OnnxRuntime.Gpu.Linux) loads: its
    /// ELF NEEDED entries plus cuDNN, which it opens at run time. README "GPU build" and k8s/images/worker-gpu.Dockerfile agree.</summary>
    public const string CudaRequirement =
        "ONNX Runtime 1.31 needs CUDA 13.x (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10), " +
        "cuDNN 9 for CUDA 13 and an NVIDIA driver for CUDA 13 (libcuda.so.1) on the library path";

    /// <summary>null for an unknown value.</summary>
    public static string? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "cpu" => "cpu",
        "cuda" => "cuda",
        "auto" or "" or null => "auto",
        _ => null,
    };

    /// <summary>First step: what the build lists. A listed CUDA still has to load (<see cref="AfterCudaLoad"/>).</summary>
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
                    "Build with -p:OnnxRuntimeFlavour=Gpu (README: GPU build), or set " + Key + " to auto or cpu.");
            case "auto":
                fellBack = !hasCuda;
                return hasCuda ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu;
            default:
                throw new InvalidOperationException($"{Key} is '{requested}'; it must be cpu, cuda or auto");
        }
    }

    /// <summary>
    /// Second step, once <see cref="Choose"/> picked CUDA: the GPU package lists CUDA even where its provider library
    /// cannot load (no CUDA libraries on the node), which only shows when a session appends the provider.
    /// </summary>
    /// <param name="requested">cpu | cuda | auto.</param>
    /// <param name="cudaLoadError">null when the CUDA provider loaded; else the loader's error, naming the missing library.</param>
    /// <returns>CUDA when it loaded; CPU for <c>auto</c> when it did not (log <paramref name="cudaLoadError"/> once).</returns>
    /// <exception cref="InvalidOperationException"><c>cuda</c> requested and the provider did not load.</exception>
    public static ExecutionProviderKind AfterCudaLoad(string? requested, string? cudaLoadError)
    {
        if (cudaLoadError is null)
        {
            return ExecutionProviderKind.Cuda;
        }

        if (Parse(requested) == "cuda")
        {
            throw new InvalidOperationException(
                $"{Key} is 'cuda' but the CUDA provider of ONNX Runtime did not load: {cudaLoadError}. {CudaRequirement}. " +
                $"Set {Key} to auto (CPU when CUDA does not load) or cpu.");
        }

        return ExecutionProviderKind.Cpu;
    }
}
