using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>One gateway for the class: starting it loads the ONNX sessions, which is worth doing once.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    /// <summary>Small on purpose, so the oversize test needs only a few MB (a CamVid raw frame is 518 400 bytes).</summary>
    public const int MaxReceiveMessageSize = 2 * 1024 * 1024;

    private GatewayServer? _server;

    public GatewayServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await GatewayServer.StartAsync(new Dictionary<string, string>
    {
        ["Gateway:MaxReceiveMessageSize"] = MaxReceiveMessageSize.ToString(),
        ["WorkerPool:Workers"] = "2",
        ["WorkerPool:QueueCapacity"] = "16",

        // Every call here must run through the pool; the result cache has its own tests.
        ["Cache:Enabled"] = "false",
    });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
