using System.Globalization;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

[Collection(DefaultTimingCollection.Name)]
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

    [Fact]
    public async Task MetricsPort_EmbeddedPool_CountsQueuedFinishedAndRefusedJobs()
    {
        // Arrange: one worker and one waiting slot, so a burst is partly refused. Counters are process-wide and other
        // tests run alongside, so only growth is asserted.
        var port = TestPorts.Free();
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Gateway:MetricsPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["WorkerPool:Workers"] = "1",
            ["WorkerPool:QueueCapacity"] = "1",
            ["Cache:Enabled"] = "false",
        });
        string[] series =
        [
            "pointrend_queue_enqueued_total", "pointrend_worker_jobs_total{outcome=\"ok\"}",
            "pointrend_queue_refused_total{reason=\"full\"}", "pointrend_worker_model_seconds_count",
        ];
        var text = await MetricsScraper.ScrapeAsync(port);
        var before = series.Select(s => MetricsScraper.Value(text, s)).ToArray();

        // Act: a burst at once.
        var calls = TestImages.DistinctSlow(6)
            .Select(async slow =>
            {
                try
                {
                    await server.Client.SegmentAsync(slow).ResponseAsync;
                    return true;
                }
                catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
                {
                    return false;
                }
            });
        var served = await Task.WhenAll(calls).DefaultTimeout();
        text = await MetricsScraper.ScrapeAsync(port);
        var after = series.Select(s => MetricsScraper.Value(text, s)).ToArray();

        // Assert
        int ok = served.Count(s => s), refused = served.Count(s => !s);
        Assert.True(ok > 0 && refused > 0, $"{ok} served, {refused} refused");
        Assert.True(after[0] - before[0] >= ok, $"enqueued grew by {after[0] - before[0]}, {ok} served\n{text}");
        Assert.True(after[1] - before[1] >= ok, $"ok jobs grew by {after[1] - before[1]}, {ok} served\n{text}");
        Assert.True(after[2] - before[2] >= refused, $"refused grew by {after[2] - before[2]}, {refused} refused\n{text}");
        Assert.True(after[3] - before[3] >= ok, $"model timings grew by {after[3] - before[3]}, {ok} served\n{text}");
        Assert.Contains("# TYPE pointrend_queue_length gauge", text, StringComparison.Ordinal);
        server.AssertNoUnexpectedErrors();
    }
}
