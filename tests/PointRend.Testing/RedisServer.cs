using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace PointRend.Testing;

/// <summary>
/// A real redis-server on a free loopback port, configured by redis-test.conf (kept beside this file), killed on
/// dispose. <see cref="Kill"/> and <see cref="StartAsync"/> simulate an outage and a restart on the same port.
/// With a password it runs with <c>requirepass</c>; extra arguments add what redis.conf could (e.g. ACL users).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _config;
    private readonly string _dir;
    private readonly StringBuilder _output = new();
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly RedisTls? _tls;
    private Process? _process;

    private RedisServer(string executable, string config, int port, string? password, IReadOnlyList<string> extraArgs, RedisTls? tls)
    {
        _tls = tls;
        _executable = executable;
        _config = config;
        Port = port;
        Password = password;
        _extraArgs = extraArgs;
        _dir = Directory.CreateTempSubdirectory("pointrend-redis-").FullName;
    }

    public int Port { get; }

    /// <summary>The default user's password (<c>requirepass</c>), or null for none.</summary>
    public string? Password { get; }

    /// <summary>StackExchange.Redis configuration string for this server, with the password when it has one.</summary>
    public string Configuration => Password is null ? Address : $"{Address},password={Password}";

    /// <summary>The configuration string without credentials (with <c>ssl=true</c> for a TLS server).</summary>
    public string Address => _tls is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},ssl=true,sslHost=localhost";

    /// <param name="password">Runs the server with <c>requirepass</c>.</param>
    /// <param name="extraArgs">Further redis-server arguments, e.g. <c>--user NAME on &gt;PASSWORD ~* &amp;* +@all</c>.</param>
    /// <param name="tls">Serve TLS only, on <see cref="Port"/>, with this certificate (clients need not present one).</param>
    public static async Task<RedisServer> StartNewAsync(string? password = null, IReadOnlyList<string>? extraArgs = null, RedisTls? tls = null)
    {
        // CI installs redis-server (.ci/run); a missing server is a broken machine, not a reason to skip.
        var executable = new[] { Environment.GetEnvironmentVariable("REDIS_SERVER"), "/usr/bin/redis-server", "/usr/local/bin/redis-server" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
            ?? throw new InvalidOperationException("redis-server not found (set REDIS_SERVER or install redis-server)");
        var server = new RedisServer(executable, FindConfig(), TestPorts.Free(), password, extraArgs ?? [], tls);
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
        var args = new List<string> { _config, "--dir", _dir };
        args.AddRange(_tls is null
            ? ["--port", Port.ToString()]
            : ["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", _tls.CertificateFile, "--tls-key-file", _tls.KeyFile,
                "--tls-ca-cert-file", _tls.CaFile, "--tls-auth-clients", "no"]);
        if (Password is not null)
        {
            args.AddRange(["--requirepass", Password]);
        }

        foreach (var arg in args.Concat(_extraArgs))
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
            Stream stream = client.GetStream();
            if (_tls is not null)
            {
                // Only "is it up?": the tests' clients check the certificate.
                var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync("localhost");
                stream = ssl;
            }

            if (Password is not null)
            {
                // RESP array form, so any password bytes are safe.
                var auth = Encoding.UTF8.GetBytes($"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(Password)}\r\n{Password}\r\n");
                await stream.WriteAsync(auth);
            }

            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var answer = new StringBuilder();
            while (!answer.ToString().Contains("+PONG", StringComparison.Ordinal) && !answer.ToString().Contains("-", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                if (read == 0)
                {
                    break;
                }

                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return answer.ToString().Contains("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
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

/// <summary>PEM files for a TLS redis-server: its certificate and key, and the CA it names to clients.</summary>
public sealed record RedisTls(string CertificateFile, string KeyFile, string CaFile);
