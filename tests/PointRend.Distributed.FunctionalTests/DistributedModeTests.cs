using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;
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
        using var processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = 0 }, NullLoggerFactory.Instance);
        var embedded = processor.Process(request, CancellationToken.None);

        Assert.Equal((480, 360), (distributed.Width, distributed.Height));
        Assert.False(distributed.CacheHit);
        Assert.Equal(embedded.ModelVersion, distributed.ModelVersion);
        Assert.True(embedded.ClassRaw.Span.SequenceEqual(distributed.ClassRaw.Span), "label maps differ");
        Assert.Empty(cluster.Gateway.UnexpectedErrors("HealthCheckEnd")); // NOT_SERVING, logged as an error, until the workers have joined
    }

    [Fact]
    public void TheDistributedGatewayLoadsNoModelSession()
    {
        Assert.Null(cluster.Gateway.Services.GetService<SegmentProcessor>());
        Assert.Equal(["camvid", "pennfudan"], cluster.Gateway.Services.GetRequiredService<ModelManifests>().Names);
    }

    [Fact]
    public async Task InstancesThroughWorkersEqualTheEmbeddedPipelinesInstances()
    {
        var options = new SegmentOptions
        {
            Model = "pennfudan",
            Outputs = new OutputSelection { InstanceRle = true, InstanceMaskPng = true, InstanceIdPng = true, OverlayPng = true },
        };
        var request = Request(TestPaths.PennFudanImage("PennPed00065"), "people", options);

        var distributed = await cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        using var processor = SegmentProcessor.Create(new InferenceOptions { WarmupFrames = 0 }, NullLoggerFactory.Instance);
        var embedded = processor.Process(request, CancellationToken.None);

        Assert.Equal(("pennfudan", embedded.ModelVersion), (distributed.Model, distributed.ModelVersion));
        Assert.NotEmpty(distributed.Instances);
        Assert.Equal((embedded.Width, embedded.Height, embedded.MaskResolution), (distributed.Width, distributed.Height, distributed.MaskResolution));
        Assert.Equal(embedded.Instances, distributed.Instances);
        Assert.Equal(embedded.InstanceIdPng, distributed.InstanceIdPng);
        Assert.Equal(embedded.OverlayPng, distributed.OverlayPng);
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

    [Theory]
    [InlineData("not an image", "IMAGE_UNSUPPORTED_FORMAT")]
    [InlineData("steps above the model's limit", "OPTION_INVALID")]
    [InlineData("unknown model", "MODEL_NOT_FOUND")]
    public async Task BadRequestIsRefusedAtTheEdgeAndNeverReachesRedis(string kind, string reason)
    {
        var request = kind switch
        {
            "not an image" => new SegmentRequest { CorrelationId = "poison", Image = new Image { Encoded = ByteString.CopyFrom(1, 2, 3, 4, 5, 6, 7, 8) } },
            "steps above the model's limit" => Request(TestPaths.SampleImage, "steps", new SegmentOptions { SubdivisionSteps = 99 }),
            _ => Request(TestPaths.SampleImage, "model", new SegmentOptions { Model = "no-such-model" }),
        };
        // The stream's last generated id moves with every XADD, so it tells whether anything was enqueued (the process-wide
        // Prometheus counters also count other test classes' gateways).
        var lastJobBefore = (await cluster.Db.StreamInfoAsync(cluster.Keys.Jobs)).LastGeneratedId;
        var deadBefore = await cluster.Db.StreamLengthAsync(cluster.Keys.DeadLetters);

        var error = await Assert.ThrowsAsync<RpcException>(() => cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout());

        Assert.Equal(reason, error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        ErrorDetails.AssertClean(error.Status.Detail);
        Assert.Equal(lastJobBefore, (await cluster.Db.StreamInfoAsync(cluster.Keys.Jobs)).LastGeneratedId);
        Assert.Equal(deadBefore, await cluster.Db.StreamLengthAsync(cluster.Keys.DeadLetters));
    }

    [Fact]
    public async Task CorruptPixelDataIsAnsweredInvalidArgumentByTheWorkerAndNotDeadLettered()
    {
        // The header is fine (the edge passes it); the pixel data ends early, which only decoding finds.
        var png = File.ReadAllBytes(TestPaths.ValFrames(4)[3]);
        var corrupt = new SegmentRequest { CorrelationId = "cut", Image = new Image { Encoded = ByteString.CopyFrom(png, 0, png.Length / 2) } };
        var good = Request(TestPaths.ValFrames(2)[1], "good", new SegmentOptions { Mode = RenderMode.Coarse });
        var deadBefore = await cluster.Db.StreamLengthAsync(cluster.Keys.DeadLetters);

        var bad = cluster.Gateway.Client.SegmentAsync(corrupt).ResponseAsync;
        var fine = cluster.Gateway.Client.SegmentAsync(good).ResponseAsync;

        var error = await Assert.ThrowsAsync<RpcException>(() => bad.DefaultTimeout());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("IMAGE_CORRUPT", error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        ErrorDetails.AssertClean(error.Status.Detail);
        Assert.Equal(480, (await fine.DefaultTimeout()).Width);
        Assert.Equal(deadBefore, await cluster.Db.StreamLengthAsync(cluster.Keys.DeadLetters));
    }
}
