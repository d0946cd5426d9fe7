using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PointRend.Testing;

namespace PointRend.Client.Tests;

/// <summary>
/// The real gateway (embedded mode) on Kestrel at 127.0.0.1:0, and clients made the way an application makes them:
/// <c>AddPointRendClient</c> on a service collection.
/// </summary>
public sealed class ClientFixture : IAsyncLifetime
{
    /// <summary>Small, so the sample frame (480x360) is cut into several tiles by SegmentTiled.</summary>
    public const int TileSize = 256;

    private GatewayServer? _server;

    public GatewayServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await GatewayServer.StartAsync(new Dictionary<string, string>
    {
        ["WorkerPool:Workers"] = "2",
        ["Tiling:TileSize"] = TileSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tiling:Overlap"] = "32",
        ["Cache:Enabled"] = "false", // every call here must reach the pool
    });

    /// <summary>A service provider with <c>AddPointRendClient</c> pointed at the gateway; the client's log lines go to <paramref name="logs"/>.</summary>
    public ServiceProvider Services(TestLogSink logs, Action<PointRendClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddPointRendClient(o =>
        {
            o.Address = new Uri(Server.Address);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
