using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PointRend.Hosting;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>Who can reach the metrics: the port's address follows --urls, and /metrics on the gRPC port goes with authentication.</summary>
public sealed class MetricsExposureTests
{
    [Fact]
    public async Task MetricsPort_GrpcOn127001_ListensThereOnly()
    {
        // Arrange: 127.0.0.2 is loopback too, so a listener on every interface would answer there.
        var port = TestPorts.Free();
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Gateway:MetricsPort"] = port.ToString(CultureInfo.InvariantCulture) });

        // Act
        var text = await MetricsScraper.ScrapeAsync(port, "127.0.0.1");
        var elsewhere = await AcceptsAsync(IPAddress.Parse("127.0.0.2"), port);

        // Assert
        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
        Assert.False(elsewhere, $"the metrics port {port} accepted a connection on 127.0.0.2");
        Assert.Contains(server.Logs.Entries, e => e.Message == $"Metrics at http://127.0.0.1:{port}/metrics");
    }

    [Fact]
    public async Task MetricsAddress_BindsTheConfiguredAddress()
    {
        var port = TestPorts.Free();
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:MetricsPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:MetricsAddress"] = "127.0.0.2",
        });

        var text = await MetricsScraper.ScrapeAsync(port, "127.0.0.2");
        var grpcHost = await AcceptsAsync(IPAddress.Loopback, port);

        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
        Assert.False(grpcHost, $"the metrics port {port} accepted a connection on 127.0.0.1");
    }

    [Theory]
    [InlineData("http://127.0.0.1:50051", "127.0.0.1")]
    [InlineData("https://10.1.2.3:443", "10.1.2.3")]
    [InlineData("http://[::1]:50051", "[::1]")]
    [InlineData("http://127.0.0.1:50051;http://[::1]:50051", "localhost")]
    [InlineData("http://localhost:50051", "localhost")]
    [InlineData("http://0.0.0.0:50051", "+")]
    [InlineData("http://*:50051", "+")]
    [InlineData("http://+:50051", "+")]
    [InlineData("http://[::]:50051", "+")]
    [InlineData("http://127.0.0.1:50051;http://10.1.2.3:50051", "+")]
    [InlineData(null, "localhost")]
    public void DefaultMetricsHost_FollowsTheGrpcUrls(string? urls, string expected) =>
        Assert.Equal(expected, MetricsPortServiceCollectionExtensions.HostOfUrls(urls));

    [Theory]
    [InlineData(false, "", HttpStatusCode.OK)]
    [InlineData(true, "", HttpStatusCode.NotFound)]
    [InlineData(true, "true", HttpStatusCode.OK)]
    [InlineData(false, "false", HttpStatusCode.NotFound)]
    public async Task MetricsOnTheGrpcPort_OnByDefault_OffWhenAuthIsOn_UnlessAskedFor(bool auth, string metricsEnabled, HttpStatusCode expected)
    {
        // An empty value unsets the fixture's Gateway:MetricsEnabled=false, leaving the default.
        var settings = auth ? Credentials.AuthSettings(("scraper", Credentials.NewApiKey(), ["ListModels"])) : [];
        settings["Gateway:MetricsEnabled"] = metricsEnabled;
        await using var server = await GatewayServer.StartAsync(settings);
        using var http = new HttpClient();

        // The gRPC endpoint is HTTP/2 only: prior knowledge, as `curl --http2-prior-knowledge` does.
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Address + "/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request).DefaultTimeout();

        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address, port).DefaultTimeout();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
