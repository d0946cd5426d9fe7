using System.Globalization;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

public sealed class MetricsPortTests
{
    [Fact]
    public async Task MetricsPort_ServesPrometheusTextOverHttp1_CountingCacheHits()
    {
        // Arrange: the embedded gateway with its result cache on and a Prometheus port of its own.
        var port = TestPorts.Free();
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:MetricsPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cache:Enabled"] = "true",
        });
        const string hits = "pointrend_cache_requests_total{result=\"hit\"}";
        var before = MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), hits);
        var request = TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse });

        // Act: the same request twice, so the second is answered from the cache.
        await server.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        var second = await server.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        var text = await MetricsScraper.ScrapeAsync(port);

        // Assert
        Assert.True(second.CacheHit);
        Assert.Contains("# TYPE pointrend_cache_requests_total counter", text, StringComparison.Ordinal);
        Assert.True(MetricsScraper.Value(text, hits) >= before + 1, $"cache hits did not grow past {before}:\n{text}");
        server.AssertNoUnexpectedErrors();
    }
}
