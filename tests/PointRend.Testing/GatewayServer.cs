using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PointRend.Contracts.V1;
using PointRend.Gateway;
using Xunit;

namespace PointRend.Testing;

/// <summary>
/// The real gateway (GatewayApp.Build, the same startup as Program.cs) on Kestrel at 127.0.0.1:0, with a channel to it.
/// Settings are passed as command-line arguments, so they also exercise the standard override path.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly WebApplication _app;
    private readonly List<GrpcChannel> _extraChannels = [];

    private GatewayServer(WebApplication app, TestLogSink logs, string address, HttpMessageHandler? handler)
    {
        _app = app;
        Logs = logs;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Client = new SegmentationService.SegmentationServiceClient(Channel);
        Health = new Health.HealthClient(Channel);
    }

    public string Address { get; }

    public GrpcChannel Channel { get; }

    public SegmentationService.SegmentationServiceClient Client { get; }

    public Health.HealthClient Health { get; }

    public TestLogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// A client whose connections leave from <paramref name="local"/> (any 127.x.y.z works on loopback), so the gateway
    /// sees another caller: with authentication off, callers are told apart by peer address.
    /// </summary>
    public SegmentationService.SegmentationServiceClient ClientFrom(IPAddress local)
    {
        var handler = PointRend.Cli.Backends.GrpcBackend.BoundTo(local);
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null, DisposeHttpClient = true });
        _extraChannels.Add(channel);
        return new SegmentationService.SegmentationServiceClient(channel);
    }

    /// <summary>A channel of its own through <paramref name="handler"/> (e.g. TLS with or without a client certificate), disposed with the server.</summary>
    public GrpcChannel OpenChannel(HttpMessageHandler handler)
    {
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null, DisposeHttpClient = true });
        _extraChannels.Add(channel);
        return channel;
    }

    /// <param name="settings">Configuration keys such as <c>WorkerPool:QueueCapacity</c>, applied as <c>--key=value</c>; later ones win, so
    /// <c>urls</c> or <c>Gateway:MetricsEnabled</c> here replace the defaults below (an empty value unsets a key).</param>
    /// <param name="handler">The HTTP handler of <see cref="Channel"/>, e.g. one that trusts a test certificate for an https URL.</param>
    public static async Task<GatewayServer> StartAsync(IReadOnlyDictionary<string, string>? settings = null, HttpMessageHandler? handler = null)
    {
        // No warm-up unless a test asks (Inference:WarmupFrames): dozens of servers start per run.
        var args = new List<string> { "--urls=http://127.0.0.1:0", "--Kestrel:EndpointDefaults:Protocols=Http2", "--Gateway:MetricsEnabled=false", "--Inference:WarmupFrames=0" };
        args.AddRange((settings ?? new Dictionary<string, string>()).Select(kv => $"--{kv.Key}={kv.Value}"));
        var logs = new TestLogSink();
        WebApplication app;
        try
        {
            app = GatewayApp.Build(args.ToArray(), b => b.Logging.ClearProviders().AddProvider(logs));
            await app.StartAsync().WaitAsync(StartTimeout);
        }
        catch (Exception ex)
        {
            // Start-up logs explain most failures (missing model, contract mismatch, bad option).
            throw new InvalidOperationException($"gateway did not start: {ex.Message}\n{string.Join("\n", logs.Entries)}", ex);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayServer(app, logs, address, handler);
    }

    /// <summary>Error-level log lines whose EventName is not in <paramref name="expected"/>.</summary>
    public IReadOnlyList<LogEntry> UnexpectedErrors(params string[] expected) =>
        Logs.Entries.Where(e => e.Level >= LogLevel.Error && !expected.Contains(e.EventId.Name)).ToList();

    /// <summary>Fails with the offending lines when the server logged an error not listed in <paramref name="expected"/>.</summary>
    public void AssertNoUnexpectedErrors(params string[] expected)
    {
        var errors = UnexpectedErrors(expected);
        Assert.True(errors.Count == 0, "unexpected server errors:\n" + string.Join("\n", errors));
    }

    /// <summary>The graceful stop a SIGTERM starts, with the client channel left open to receive what is in flight.</summary>
    public Task StopAsync() => _app.StopAsync().WaitAsync(StartTimeout);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        _extraChannels.ForEach(c => c.Dispose());
        await _app.StopAsync().WaitAsync(StartTimeout);
        await _app.DisposeAsync();
    }
}
