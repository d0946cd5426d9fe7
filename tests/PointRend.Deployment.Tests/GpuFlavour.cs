using PointRend.Testing;
using System.Diagnostics;

namespace PointRend.Deployment.Tests;

/// <summary>
/// The GPU-flavour gateway and worker that .ci/gpu-flavour publishes (-p:OnnxRuntimeFlavour=Gpu -r linux-x64) into
/// artifacts/gpu-flavour/{gateway,worker}, or POINTREND_GPU_FLAVOUR_DIR. Building them here would add minutes to
/// every test run, so a developer without that folder gets these tests skipped with the command to run; in CI
/// (CI=true) a missing folder fails them instead.
/// </summary>
public static class GpuFlavour
{
    public static string? Dir { get; } = Find();

    public static string Gateway => Path.Combine(Dir ?? throw Missing(), "gateway", "PointRend.Gateway.dll");

    public static string Worker => Path.Combine(Dir ?? throw Missing(), "worker", "PointRend.Worker.dll");

    public static string MissingReason =>
        "the GPU-flavour build is not in artifacts/gpu-flavour (run `bash .ci/gpu-flavour` from the repository root)";

    private static InvalidOperationException Missing() => new(MissingReason + "; CI runs it before the tests");

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("POINTREND_GPU_FLAVOUR_DIR");
        var dir = string.IsNullOrEmpty(configured) ? Path.Combine(RepoPaths.Root, "artifacts", "gpu-flavour") : configured;
        return File.Exists(Path.Combine(dir, "gateway", "PointRend.Gateway.dll")) && File.Exists(Path.Combine(dir, "worker", "PointRend.Worker.dll"))
            ? dir
            : null;
    }
}

/// <summary>A test that needs the GPU-flavour build: skipped without it, except in CI, where it runs and fails.</summary>
public sealed class GpuFlavourFactAttribute : FactAttribute
{
    public GpuFlavourFactAttribute()
    {
        if (GpuFlavour.Dir is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = GpuFlavour.MissingReason;
        }
    }
}

/// <summary>A published app (`dotnet X.dll`) as a real process, its output kept for assertions and failure messages.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output;

    private AppProcess(Process process)
    {
        _process = process;
        _output = new ProcessOutput(process);
    }

    public string Output => _output.Text;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="settings">Configuration keys (<c>Section:Key</c>), passed as environment variables the way k8s does.</param>
    public static AppProcess Start(string dll, IReadOnlyDictionary<string, string> settings)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return new AppProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output if the process exits first.</summary>
    public Task WaitForOutputAsync(string text) => PointRend.Testing.Poll.UntilAsync(() =>
    {
        if (Output.Contains(text, StringComparison.Ordinal))
        {
            return true;
        }

        if (_process.HasExited)
        {
            throw new InvalidOperationException($"process exited with {_process.ExitCode} before printing '{text}':\n{Output}");
        }

        return false;
    });

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(PointRend.Testing.TaskExtensions.DefaultTimeoutSpan);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

}
