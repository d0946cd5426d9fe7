using System.Globalization;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// The gateway's metrics leave twice: over OTLP/HTTP to a collector on loopback (the real OpenTelemetry exporter,
/// configured by the Telemetry section) and as Prometheus text on the metrics port, with the dashboards' names.
/// </summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class OtlpMetricsTests
{
    [Fact]
    public async Task SegmentCalls_ExportedOverOtlp_AndScrapedWithTheSameNamesAsBefore()
    {
        // Arrange
        await using var collector = await OtlpReceiver.StartAsync();
        var port = TestPorts.Free();
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Telemetry:OtlpEndpoint"] = collector.Endpoint,
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
            ["Telemetry:MetricExportInterval"] = "00:00:00.200",
            ["Gateway:MetricsPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Cache:Enabled"] = "false",
        });
        var request = TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse });
        var bad = new SegmentRequest { Image = new Image { Encoded = Google.Protobuf.ByteString.CopyFromUtf8("not an image") } };

        // Act: two served calls and one refused as INVALID_ARGUMENT (a trailers-only answer).
        await server.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        await server.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Client.SegmentAsync(bad).ResponseAsync).DefaultTimeout();

        // Assert: counters and histograms are process-wide and other tests' gateways run alongside, so this test's
        // calls are a lower bound; cumulative exports repeat, so the newest point of a series counts.
        ReceivedPoint? Latest(string metric, params (string Key, string Value)[] attributes) => collector.Points
            .Where(p => p.Metric == metric && attributes.All(a => p.Attributes.TryGetValue(a.Key, out var v) && v == a.Value))
            .LastOrDefault();
        try
        {
            await Poll.UntilAsync(() => Latest("pointrend.gateway.requests", ("method", "Segment"), ("code", "OK"))?.Value >= 2
                && Latest("pointrend.gateway.requests", ("method", "Segment"), ("code", "InvalidArgument"))?.Value >= 1
                && Latest("pointrend.gateway.request.duration", ("method", "Segment"))?.Count >= 3
                && Latest("pointrend.worker.jobs", ("outcome", "ok"))?.Value >= 2);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nreceived: {string.Join("\n", collector.Points.Select(p => p.Metric).Distinct())}\n" +
                string.Join("\n", collector.Requests.Take(20)), ex);
        }

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var requests = Latest("pointrend.gateway.requests", ("method", "Segment"), ("code", "OK"))!;
        Assert.Equal(("pointrend-gateway", "PointRend", "sum"), (requests.Service, requests.Scope, requests.Kind));
        var duration = Latest("pointrend.gateway.request.duration", ("method", "Segment"))!;
        Assert.Equal("s", duration.Unit);
        Assert.True(duration.Value > 0, "a call takes time");
        Assert.Equal(0.001, duration.Bounds[0], 9); // the Prometheus histogram's buckets, given to OpenTelemetry as advice
        Assert.Equal(16, duration.Bounds.Count);

        var text = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(text, "pointrend_gateway_requests_total{method=\"Segment\",code=\"OK\"}") >= 2, text);
        Assert.True(MetricsScraper.Value(text, "pointrend_gateway_requests_total{method=\"Segment\",code=\"InvalidArgument\"}") >= 1, text);
        Assert.True(MetricsScraper.Value(text, "pointrend_gateway_request_duration_seconds_count{method=\"Segment\"}") >= 3, text);
        Assert.Contains("# TYPE pointrend_worker_jobs_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pointrend_worker_model_seconds histogram", text, StringComparison.Ordinal);

        // prometheus-net's own Meter adapter would publish the meter a second time as pointrend_pointrend_* gauges.
        Assert.DoesNotContain("pointrend_pointrend", text, StringComparison.Ordinal);
        server.AssertNoUnexpectedErrors();
    }
}
