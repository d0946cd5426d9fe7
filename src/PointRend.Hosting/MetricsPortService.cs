using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace PointRend.Hosting;

/// <summary>
/// Prometheus text at <c>http://*:{port}/metrics</c> over HTTP/1.1 on a port of its own, since scrapers don't speak the
/// gRPC endpoint's prior-knowledge HTTP/2. For a worker it doubles as the liveness endpoint: it answers while the process
/// is up. Port 0 (the default) serves nothing, so several processes can share one machine.
/// </summary>
public sealed class MetricsPortService(int port, ILogger<MetricsPortService> logger) : IHostedService
{
    private IMetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (port > 0)
        {
            _server = new KestrelMetricServer(port).Start();
            HostingLog.MetricsServing(logger, port);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }
}

public static class MetricsPortServiceCollectionExtensions
{
    /// <param name="portKey">Configuration key holding the port, e.g. <c>Worker:MetricsPort</c>.</param>
    public static IServiceCollection AddMetricsPort(this IServiceCollection services, IConfiguration configuration, string portKey)
    {
        var port = configuration.GetValue(portKey, 0);
        if (port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{portKey} is {port}; it must be a TCP port (1-65535), or 0 to serve no metrics port");
        }

        return services.AddHostedService(sp => new MetricsPortService(port, sp.GetRequiredService<ILogger<MetricsPortService>>()));
    }
}
