using System.Diagnostics;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// The gateway as a process of its own, from its build output (most tests run it in the test process through
/// GatewayServer; a test of what crosses process boundaries, such as trace context, needs it apart).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output;

    private GatewayProcess(Process process, string address)
    {
        _process = process;
        _output = new ProcessOutput(process);
        Address = address;
    }

    public string Address { get; }

    public string Output => _output.Text;

    /// <param name="environment">Variables such as <c>Redis__Configuration</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</param>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var address = $"http://127.0.0.1:{TestPorts.Free()}";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(GatewayDll)!,
        };
        info.ArgumentList.Add(GatewayDll);
        info.ArgumentList.Add($"--urls={address}");
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Inference__WarmupFrames"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var gateway = new GatewayProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), address);
        await Poll.UntilAsync(() => gateway._process.HasExited
            ? throw new InvalidOperationException($"the gateway exited with {gateway._process.ExitCode}:\n{gateway.Output}")
            : gateway.Output.Contains("Now listening on", StringComparison.Ordinal));
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string GatewayDll { get; } = FindGatewayDll();

    private static string FindGatewayDll()
    {
        // bin/<Configuration>/<tfm>/ of the test project; the gateway (a project reference of PointRend.Testing) is
        // built with the same configuration and tfm.
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        var candidate = Path.Combine(TestPaths.RepositoryRoot, "src", "PointRend.Gateway", "bin", configuration, tfm, "PointRend.Gateway.dll");
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException($"PointRend.Gateway.dll ({configuration}/{tfm}) not found at {candidate}; build the gateway project");
    }
}
