using Prometheus;

namespace PointRend.Worker;

/// <summary>
/// Prometheus text at <c>http://*:{Worker:MetricsPort}/metrics</c>, which doubles as the liveness endpoint: it answers
/// while the process is up. Port 0 (default) serves nothing, so several workers can share one machine.
/// </summary>
public sealed class MetricsService(IConfiguration configuration, ILogger<MetricsService> logger) : IHostedService
{
    private IMetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var port = configuration.GetValue("Worker:MetricsPort", 0);
        if (port > 0)
        {
            _server = new KestrelMetricServer(port).Start();
            WorkerLog.Metrics(logger, port);
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
