using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace PointRend.Inference.Tests;

public sealed class ExecutionProviderTests
{
    private static readonly string[] CpuOnly = [ExecutionProviderChoice.CpuProvider];

    [Fact]
    public void Auto_WithoutCuda_FallsBackToCpu()
    {
        var kind = ExecutionProviderChoice.Choose("auto", CpuOnly, out var fellBack);

        Assert.Equal(ExecutionProviderKind.Cpu, kind);
        Assert.True(fellBack);
    }

    [Fact]
    public void Auto_WithCuda_PicksCuda()
    {
        var kind = ExecutionProviderChoice.Choose("auto", [ExecutionProviderChoice.CudaProvider, ExecutionProviderChoice.CpuProvider], out var fellBack);

        Assert.Equal(ExecutionProviderKind.Cuda, kind);
        Assert.False(fellBack);
    }

    [Fact]
    public void Cuda_Unavailable_ClearError()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ExecutionProviderChoice.Choose("cuda", CpuOnly, out _));

        Assert.Contains("Inference:ExecutionProvider is 'cuda'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaListedButNotLoadable_AutoRunsOnCpu_CudaRefusesNamingTheLibraryAndVersions()
    {
        // What the GPU package says on a node without CUDA 13 (tests/PointRend.Deployment.Tests see it for real).
        const string loadError = "libcublasLt.so.13: cannot open shared object file: No such file or directory";

        Assert.Equal(ExecutionProviderKind.Cpu, ExecutionProviderChoice.AfterCudaLoad("auto", loadError));
        Assert.Equal(ExecutionProviderKind.Cuda, ExecutionProviderChoice.AfterCudaLoad("auto", null));
        Assert.Equal(ExecutionProviderKind.Cuda, ExecutionProviderChoice.AfterCudaLoad("cuda", null));
        var ex = Assert.Throws<InvalidOperationException>(() => ExecutionProviderChoice.AfterCudaLoad("cuda", loadError));
        Assert.Contains(loadError, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA 13.x", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThisBuild_ListsCpuOnly_AutoLoadsOnCpuWithOneLogLine()
    {
        // The CPU package is what this repository builds by default (README: GPU build).
        Assert.DoesNotContain(ExecutionProviderChoice.CudaProvider, OrtEnv.Instance().GetAvailableProviders());
        var logs = new ListLoggerFactory();

        using var processor = SegmentProcessor.Create(new InferenceOptions { ExecutionProvider = "auto" }, logs);

        Assert.Equal(ExecutionProviderKind.Cpu, processor.Catalog.Provider);
        Assert.Single(logs.Lines, l => l.Contains("CUDA is not available", StringComparison.Ordinal));
    }

    [Fact]
    public void ThisBuild_CudaRequested_FailsStartWithClearMessage()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SegmentProcessor.Create(new InferenceOptions { ExecutionProvider = "cuda" }, new ListLoggerFactory()));

        Assert.Contains("-p:OnnxRuntimeFlavour=Gpu", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownProviderValue_IsAValidationError()
    {
        var problems = new InferenceOptions { ExecutionProvider = "tpu" }.Validate().ToList();

        Assert.Contains(problems, p => p.Contains("Inference:ExecutionProvider is 'tpu'", StringComparison.Ordinal));
    }

    private sealed class ListLoggerFactory : ILoggerFactory, ILogger
    {
        public List<string> Lines { get; } = [];

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
