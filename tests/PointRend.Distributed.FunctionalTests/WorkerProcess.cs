using PointRend.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// A real <c>PointRend.Worker</c> process from the build output, so a test can kill -9 it or send it SIGTERM
/// exactly as an orchestrator would. Output is kept for failure messages and log assertions.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;
    private readonly Process _process;
    private readonly ProcessOutput _output;
    private bool _disposed;

    private WorkerProcess(Process process)
    {
        _process = process;
        _output = new ProcessOutput(process);
    }

    public int Pid => _process.Id;

    /// <summary>The worker's Prometheus port (Worker:MetricsPort), or 0 when it serves none.</summary>
    public int MetricsPort { get; private init; }

    /// <summary>The worker's consumer names start with this (machine-pid-random).</summary>
    public string ConsumerPrefix => $"{Environment.MachineName}-{Pid}-";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => _output.Text;

    public static WorkerProcess Start(string redisConfiguration, string keyPrefix, IReadOnlyDictionary<string, string>? settings = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(WorkerDll)!,
        };
        info.ArgumentList.Add(WorkerDll);
        info.Environment["Redis__Configuration"] = redisConfiguration;
        info.Environment["Redis__KeyPrefix"] = keyPrefix;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Inference__WarmupFrames"] = "1"; // the warm-up path runs in every worker, at the cost of one frame
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var port = settings is not null && settings.TryGetValue("Worker:MetricsPort", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 0;
        return new WorkerProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start")) { MetricsPort = port };
    }

    /// <summary>Waits until the worker has joined the consumer group (its models are loaded by then).</summary>
    public Task WaitUntilConsumingAsync() => Poll.UntilAsync(() =>
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"worker {Pid} exited with {_process.ExitCode}:\n{Output}");
        }

        return Task.FromResult(Output.Contains("ConsumerJoined", StringComparison.Ordinal) || Output.Contains("reading group", StringComparison.Ordinal));
    });

    /// <summary>kill -9: no shutdown code runs, in-flight jobs stay pending under this consumer.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGSTOP: the process stays, holding its jobs, but reads and beats nothing until <see cref="Resume"/>.</summary>
    public void Pause() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(SigCont, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>SIGTERM, as Kubernetes sends on scale-down.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }


    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>The worker built beside this test assembly's configuration (the project reference builds it first).</summary>
    private static string WorkerDll { get; } = FindWorkerDll();

    private static string FindWorkerDll()
    {
        // bin/<Configuration>/<tfm>/ of the test project; the worker is built with the same configuration and tfm.
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        for (var dir = baseDir; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "workers", "PointRend.Worker", "bin", configuration, tfm, "PointRend.Worker.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"PointRend.Worker.dll ({configuration}/{tfm}) not found above {AppContext.BaseDirectory}; build the worker project");
    }
}
