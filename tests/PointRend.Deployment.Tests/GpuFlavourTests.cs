using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts.V1;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Deployment.Tests;

/// <summary>
/// The GPU flavour (Microsoft.ML.OnnxRuntime.Gpu.Linux) on this machine, which has no CUDA libraries: the situation of
/// a GPU image scheduled on a node without matching CUDA. Its ONNX Runtime lists CUDAExecutionProvider, but the
/// provider library cannot load; <c>auto</c> must serve on CPU with one log line, <c>cuda</c> must refuse to start.
/// (On a machine with CUDA 13 and a GPU these tests would see CUDA load and fail: they describe a CUDA-less host.)
/// </summary>
public sealed class GpuFlavourTests
{
    private const string FallbackLine = "Inference:ExecutionProvider is auto and the CUDA provider did not load (";
    private const string CudaRefusal = "Inference:ExecutionProvider is 'cuda' but the CUDA provider of ONNX Runtime did not load: ";

    [GpuFlavourFact]
    public void TheBuildCarriesTheCudaProviderAndOnlyLinuxNatives()
    {
        foreach (var app in new[] { GpuFlavour.Gateway, GpuFlavour.Worker })
        {
            var dir = Path.GetDirectoryName(app)!;
            Assert.True(File.Exists(Path.Combine(dir, "libonnxruntime_providers_cuda.so")), $"{dir}: no CUDA provider library");
            Assert.False(Directory.Exists(Path.Combine(dir, "runtimes")), $"{dir}: per-RID runtimes/ folder (Windows or other natives)");
            Assert.Empty(Directory.EnumerateFiles(dir, "onnxruntime*.dll", SearchOption.AllDirectories));
        }

        // The default (CPU) build that these tests run in carries no CUDA natives at all.
        Assert.Empty(Directory.EnumerateFiles(AppContext.BaseDirectory, "libonnxruntime_providers_cuda.so", SearchOption.AllDirectories));
    }

    [GpuFlavourFact]
    public async Task GatewayWithTheDefaultProviderServesAFrameOnCpu()
    {
        var port = TestPorts.Free();
        await using var gateway = AppProcess.Start(GpuFlavour.Gateway, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Inference:WarmupFrames"] = "0",
        });
        await gateway.WaitForOutputAsync("Now listening on");
        var request = Request(TestPaths.SampleImage);

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var reply = await new SegmentationService.SegmentationServiceClient(channel).SegmentAsync(request).ResponseAsync.DefaultTimeout();

        Assert.Equal((480, 360), (reply.Width, reply.Height));
        AssertFellBackOnce(gateway.Output);
        using var cpu = SegmentProcessor.Create(new InferenceOptions { ExecutionProvider = "cpu", WarmupFrames = 0 }, NullLoggerFactory.Instance);
        var expected = cpu.Process(request, CancellationToken.None);
        AssertSameLabels(expected.ClassRaw.Span, reply.ClassRaw.Span);
    }

    [GpuFlavourFact]
    public async Task GatewayAndWorkerThroughRedisServeAFrameOnCpu()
    {
        await using var redis = await RedisServer.StartNewAsync();
        var distributed = new Dictionary<string, string>
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["Redis:KeyPrefix"] = nameof(GatewayAndWorkerThroughRedisServeAFrameOnCpu),
            ["Inference:WarmupFrames"] = "0",
        };
        await using var worker = AppProcess.Start(GpuFlavour.Worker, distributed);
        var port = TestPorts.Free();
        await using var gateway = AppProcess.Start(GpuFlavour.Gateway, new Dictionary<string, string>(distributed)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });
        await worker.WaitForOutputAsync("reading group");
        await gateway.WaitForOutputAsync("Now listening on");

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var reply = await new SegmentationService.SegmentationServiceClient(channel).SegmentAsync(Request(TestPaths.SampleImage)).ResponseAsync.DefaultTimeout();

        Assert.Equal((480, 360), (reply.Width, reply.Height));
        Assert.Equal(480 * 360, reply.ClassRaw.Length);
        AssertFellBackOnce(worker.Output);
        Assert.DoesNotContain("CUDA provider", gateway.Output, StringComparison.Ordinal); // a distributed gateway loads no ONNX session
    }

    [GpuFlavourFact]
    public async Task GatewayWithCudaRequiredFailsStartNamingTheMissingLibrary()
    {
        await using var gateway = AppProcess.Start(GpuFlavour.Gateway, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{TestPorts.Free()}",
            ["Inference:ExecutionProvider"] = "cuda",
        });

        Assert.NotEqual(0, await gateway.WaitForExitAsync());
        AssertRefusal(gateway.Output);
    }

    [GpuFlavourFact]
    public async Task WorkerWithCudaRequiredFailsStartNamingTheMissingLibrary()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var worker = AppProcess.Start(GpuFlavour.Worker, new Dictionary<string, string>
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["Inference:ExecutionProvider"] = "cuda",
        });

        Assert.NotEqual(0, await worker.WaitForExitAsync());
        AssertRefusal(worker.Output);
        Assert.DoesNotContain("reading group", worker.Output, StringComparison.Ordinal);
    }

    private static SegmentRequest Request(string path) => new()
    {
        Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(path)) },
        Options = new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } },
    };

    private static void AssertFellBackOnce(string output)
    {
        var lines = output.Split('\n').Where(l => l.Contains(FallbackLine, StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        // The loader's own words name the library that is missing, and the line says what this ORT needs.
        Assert.Contains("cannot open shared object file", line, StringComparison.Ordinal);
        Assert.Contains("running on CPU", line, StringComparison.Ordinal);
        Assert.Contains(ExecutionProviderChoice.CudaRequirement, line, StringComparison.Ordinal);
        Assert.Contains("Loaded model camvid", output, StringComparison.Ordinal);
        Assert.Contains("on Cpu", output, StringComparison.Ordinal);
        Assert.DoesNotContain("on Cuda", output, StringComparison.Ordinal);
    }

    private static void AssertRefusal(string output)
    {
        Assert.Contains(CudaRefusal, output, StringComparison.Ordinal);
        var line = output.Split('\n').First(l => l.Contains(CudaRefusal, StringComparison.Ordinal));
        Assert.Matches(@"lib[A-Za-z0-9_]+\.so(\.[0-9]+)*: cannot open shared object file", line);
        Assert.Contains("CUDA 13.x", line, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", output, StringComparison.Ordinal);
    }

    private static void AssertSameLabels(ReadOnlySpan<byte> cpuBuild, ReadOnlySpan<byte> gpuBuild)
    {
        Assert.Equal(cpuBuild.Length, gpuBuild.Length);
        var differ = 0;
        for (var i = 0; i < cpuBuild.Length; i++)
        {
            differ += cpuBuild[i] != gpuBuild[i] ? 1 : 0;
        }

        // Two ONNX Runtime releases (1.31.1 CPU package, 1.31.0 GPU package) on the same CPU kernels: labels agree
        // but for pixels where two logits tie to the last bits.
        Assert.True(differ <= cpuBuild.Length / 1000, string.Create(CultureInfo.InvariantCulture, $"{differ} of {cpuBuild.Length} labels differ from the CPU build"));
    }
}
