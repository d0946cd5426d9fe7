using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace PointRend.Hosting;

/// <summary>
/// Prometheus text at <c>http://{host}:{port}/metrics</c> over HTTP/1.1 on a port of its own, since scrapers don't speak
/// the gRPC endpoint's prior-knowledge HTTP/2. For a worker it doubles as the liveness endpoint: it answers while the
/// process is up. Port 0 (the default) serves nothing, so several processes can share one machine.
/// </summary>
/// <param name="host">An IP address, <c>localhost</c>, or <c>+</c> for every interface.</param>
public sealed class MetricsPortService(string host, int port, ILogger<MetricsPortService> logger) : IHostedService
{
    private IMetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (port > 0)
        {
            _server = new KestrelMetricServer(host, port).Start();
            HostingLog.MetricsServing(logger, host, port);
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
    public const string AllInterfaces = "+";

    /// <param name="portKey">Configuration key holding the port, e.g. <c>Worker:MetricsPort</c>.</param>
    /// <param name="addressKey">Configuration key holding the address to bind, e.g. <c>Gateway:MetricsAddress</c>.</param>
    /// <param name="defaultHost">The address when <paramref name="addressKey"/> is not set.</param>
    public static IServiceCollection AddMetricsPort(this IServiceCollection services, IConfiguration configuration, string portKey, string addressKey,
        string defaultHost)
    {
        PointRend.Queueing.QueueMetrics.Register(); // before the first scrape: see QueueMetrics
        var port = configuration.GetValue(portKey, 0);
        if (port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{portKey} is {port}; it must be a TCP port (1-65535), or 0 to serve no metrics port");
        }

        var address = configuration[addressKey];
        var host = string.IsNullOrWhiteSpace(address) ? defaultHost : address.Trim();
        if (host is not (AllInterfaces or "*" or "localhost") && !IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            throw new InvalidOperationException($"{addressKey} is '{address}'; it must be an IP address, localhost, or * for every interface");
        }

        host = host == "*" ? AllInterfaces : UrlHost(host);
        return services.AddHostedService(sp => new MetricsPortService(host, port, sp.GetRequiredService<ILogger<MetricsPortService>>()));
    }

    /// <summary>
    /// Where the metrics port listens by default: the gRPC endpoints' host when they all share one (127.0.0.1 for the
    /// default local run, so metrics are not published wider than the API), loopback when they are all on loopback,
    /// and every interface otherwise (<c>0.0.0.0</c>, <c>*</c>, a host name, or a mix).
    /// </summary>
    /// <param name="urls">ASP.NET Core's <c>urls</c> setting (semicolon-separated); null means Kestrel's default, localhost.</param>
    public static string HostOfUrls(string? urls)
    {
        var hosts = (urls ?? "http://localhost").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(HostOf)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (hosts.Count == 1 && (hosts[0] == "localhost" || IPAddress.TryParse(hosts[0].Trim('[', ']'), out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)))
        {
            return hosts[0];
        }

        return hosts.Count > 0 && hosts.All(IsLoopback) ? "localhost" : AllInterfaces;
    }

    private static string HostOf(string url)
    {
        // "http://*:80" and "http://+:80" are not valid URIs; they mean every interface.
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : 0)..];
        if (rest.StartsWith('['))
        {
            return rest[..(rest.IndexOf(']') + 1)];
        }

        var end = rest.IndexOfAny([':', '/']);
        return end < 0 ? rest : rest[..end];
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);

    private static string UrlHost(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : host;
}
