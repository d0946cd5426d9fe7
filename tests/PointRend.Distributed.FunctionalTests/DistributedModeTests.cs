using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>The gateway in distributed mode with two worker processes, against the embedded pipeline.</summary>
public sealed class DistributedModeTests(TwoWorkers cluster) : IClassFixture<TwoWorkers>
{
    private static SegmentRequest Request(string path, string id, SegmentOptions? options = null) => new()
    {
        CorrelationId = id,
        Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(path)) },
        Options = options ?? new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } },
    };

    [Fact]
    public async Task LabelsThroughWorkersEqualTheEmbeddedPipelinesLabels()
    {
        var request = Request(TestPaths.SampleImage, "whole");

        var distributed = await cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        var embedded = cluster.Gateway.Services.GetRequiredService<SegmentProcessor>().Process(request, CancellationToken.None);

        Assert.Equal((480, 360), (distributed.Width, distributed.Height));
        Assert.False(distributed.CacheHit);
        Assert.Equal(embedded.ModelVersion, distributed.ModelVersion);
        Assert.True(embedded.ClassRaw.Span.SequenceEqual(distributed.ClassRaw.Span), "label maps differ");
        Assert.Empty(cluster.Gateway.UnexpectedErrors());
    }

    [Fact]
    public void EachWorkerWarmsUpBeforeItJoinsTheConsumerGroup()
    {
        Assert.All(cluster.Workers, worker =>
        {
            var output = worker.Output;
            var warmed = output.IndexOf("Warmed up model camvid with 1 synthetic frames", StringComparison.Ordinal);
            var joined = output.IndexOf("reading group", StringComparison.Ordinal);
            Assert.True(warmed >= 0 && joined > warmed, $"expected warm-up before joining:\n{output}");
        });
    }

    [Fact]
    public async Task GatewayAndWorkerMetricsPortsCountTheJobOverHttp1()
    {
        const string done = "pointrend_worker_jobs_total{outcome=\"ok\"}";
        const string enqueued = "pointrend_queue_enqueued_total";
        var options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } };
        async Task<double> WorkersDone() => (await Task.WhenAll(cluster.Workers.Select(w => MetricsScraper.ScrapeAsync(w.MetricsPort))))
            .Sum(text => MetricsScraper.Value(text, done));
        var doneBefore = await WorkersDone();
        var enqueuedBefore = MetricsScraper.Value(await MetricsScraper.ScrapeAsync(cluster.GatewayMetricsPort), enqueued);

        // A frame no other test sends, so the result cache cannot answer it.
        await cluster.Gateway.Client.SegmentAsync(Request(TestPaths.ValFrames(6)[5], "metrics", options)).ResponseAsync.DefaultTimeout();

        Assert.True(await WorkersDone() >= doneBefore + 1, "no worker's /metrics counted the finished job");
        Assert.True(MetricsScraper.Value(await MetricsScraper.ScrapeAsync(cluster.GatewayMetricsPort), enqueued) >= enqueuedBefore + 1,
            "the gateway's /metrics did not count the enqueued job");
    }

    [Fact]
    public async Task SecondIdenticalRequestIsACacheHitWithTheSameLabels()
    {
        var options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } };
        var frame = TestPaths.ValFrames(3)[2];

        var first = await cluster.Gateway.Client.SegmentAsync(Request(frame, "first", options)).ResponseAsync.DefaultTimeout();
        var second = await cluster.Gateway.Client.SegmentAsync(Request(frame, "second", options)).ResponseAsync.DefaultTimeout();

        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal("second", second.CorrelationId);
        Assert.Equal(first.ClassRaw, second.ClassRaw);
    }

    [Fact]
    public async Task UndecodableImageIsInvalidArgumentAndDeadLetteredWhileOthersAreServed()
    {
        var poisoned = new SegmentRequest { CorrelationId = "poison", Image = new Image { Encoded = ByteString.CopyFrom(1, 2, 3, 4, 5, 6, 7, 8) } };
        var good = Request(TestPaths.ValFrames(2)[1], "good", new SegmentOptions { Mode = RenderMode.Coarse });

        var bad = cluster.Gateway.Client.SegmentAsync(poisoned).ResponseAsync;
        var fine = cluster.Gateway.Client.SegmentAsync(good).ResponseAsync;

        var error = await Assert.ThrowsAsync<RpcException>(() => bad.DefaultTimeout());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(480, (await fine.DefaultTimeout()).Width);
        var dead = await cluster.Db.StreamRangeAsync(cluster.Keys.DeadLetters);
        var entry = Assert.Single(dead, e => e["kind"] == "InvalidArgument");
        Assert.Contains("rejected by the processor", (string?)entry["reason"]);
        Assert.Equal(1, (int)entry["deliveries"]);
    }
}
