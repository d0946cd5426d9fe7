using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PointRend.Testing;

/// <summary>
/// A real redis-server on a free loopback port, configured by redis-test.conf (kept beside this file), killed on
/// dispose. <see cref="Kill"/> and <see cref="StartAsync"/> simulate an outage and a restart on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _config;
    private readonly string _dir;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(string executable, string config, int port)
    {
        _executable = executable;
        _config = config;
        Port = port;
        _dir = Directory.CreateTempSubdirectory("pointrend-redis-").FullName;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartNewAsync()
    {
        // CI installs redis-server (.ci/run); a missing server is a broken machine, not a reason to skip.
        var executable = new[] { Environment.GetEnvironmentVariable("REDIS_SERVER"), "/usr/bin/redis-server", "/usr/local/bin/redis-server" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
            ?? throw new InvalidOperationException("redis-server not found (set REDIS_SERVER or install redis-server)");
        var server = new RedisServer(executable, FindConfig(), TestPorts.Free());
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        var info = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { _config, "--port", Port.ToString(), "--dir", _dir })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > until)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING; its output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: the clients see the connection drop with no goodbye.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static string FindConfig()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "PointRend.Testing", "redis-test.conf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"tests/PointRend.Testing/redis-test.conf not found above {AppContext.BaseDirectory}");
    }
}
