using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Queueing.Caching;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

public sealed class ResultCacheTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly Image Frame = new() { Encoded = ByteString.CopyFromUtf8("frame") };

    [Fact]
    public void KeyChangesWithModelVersionOptionsAndImageButNotWithRequestId()
    {
        var options = new SegmentOptions { Mode = RenderMode.Pointrend };
        var key = ResultCacheKey.Compute("camvid", "v1", options, Frame);

        Assert.Equal(key, ResultCacheKey.Compute("camvid", "v1", options.Clone(), Frame.Clone()));
        Assert.Equal(key, ResultCacheKey.Compute("camvid", "v1", new SegmentOptions { Model = "camvid", Mode = RenderMode.Pointrend }, Frame));
        Assert.NotEqual(key, ResultCacheKey.Compute("camvid", "v2", options, Frame));
        Assert.NotEqual(key, ResultCacheKey.Compute("other", "v1", options, Frame));
        Assert.NotEqual(key, ResultCacheKey.Compute("camvid", "v1", new SegmentOptions { Mode = RenderMode.Coarse }, Frame));
        Assert.NotEqual(key, ResultCacheKey.Compute("camvid", "v1", options, new Image { Encoded = ByteString.CopyFromUtf8("frame2") }));
        Assert.Equal(32, key.Length);
    }

    [Fact]
    public async Task MemoryCacheEvictsTheLeastRecentlyUsedPastItsByteBound()
    {
        var entry = Response("a", 1000);
        var size = entry.CalculateSize();
        var cache = new MemoryResultCache(Options.Create(new CacheOptions { MaxMemoryBytes = size * 2 }), TimeProvider.System);

        await cache.SetAsync("a", entry, default);
        await cache.SetAsync("b", Response("b", 1000), default);
        Assert.NotNull(await cache.GetAsync("a", default)); // a is now the most recent
        await cache.SetAsync("c", Response("c", 1000), default);

        Assert.NotNull(await cache.GetAsync("a", default));
        Assert.Null(await cache.GetAsync("b", default));
        Assert.NotNull(await cache.GetAsync("c", default));
        Assert.True(cache.Bytes <= size * 2);
    }

    [Fact]
    public async Task RedisCacheEntriesCarryTheConfiguredTtl()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var prefix = nameof(RedisCacheEntriesCarryTheConfiguredTtl);
        var cache = new RedisResultCache(mux, Options.Create(new RedisOptions { KeyPrefix = prefix }),
            Options.Create(new CacheOptions { Ttl = TimeSpan.FromMinutes(7) }), NullLogger<RedisResultCache>.Instance);

        await cache.SetAsync("k", Response("x", 10), default);

        Assert.Equal("x", (await cache.GetAsync("k", default))?.CorrelationId);
        var ttl = await mux.GetDatabase().KeyTimeToLiveAsync(new RedisKeys(prefix).Cache("k"));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(7));
    }

    [Fact]
    public async Task DecoratorAnswersARepeatWithoutTheRunnerAndMarksTheHit()
    {
        var inner = new CountingRunner();
        var models = new StaticModelVersions(new ListModelsResponse { Models = { new ModelInfo { Name = "fake", Version = "1", IsDefault = true } } });
        var runner = new CachingJobRunner(inner, new MemoryResultCache(Options.Create(new CacheOptions()), TimeProvider.System), models);
        var deadline = DateTime.UtcNow.AddMinutes(1);

        var first = await runner.RunAsync(new SegmentRequest { CorrelationId = "1", Image = Frame }, deadline, default);
        var second = await runner.RunAsync(new SegmentRequest { CorrelationId = "2", Image = Frame }, deadline, default);
        var expired = await Assert.ThrowsAsync<SegmentationException>(
            () => runner.RunAsync(new SegmentRequest { CorrelationId = "3", Image = Frame }, DateTime.UtcNow.AddSeconds(-1), default));

        Assert.Equal(1, inner.Calls);
        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal("2", second.CorrelationId);
        Assert.Equal(first.ClassRaw, second.ClassRaw);
        Assert.Equal(SegmentationErrorKind.DeadlineExceeded, expired.Kind);
    }

    [Fact]
    public async Task EmbeddedGatewayServesTheSecondIdenticalRequestFromItsMemoryCache()
    {
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string> { ["WorkerPool:Workers"] = "1" });
        var request = new SegmentRequest
        {
            Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) },
            Options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } },
        };

        var first = await gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        var second = await gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();

        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal(first.ClassRaw, second.ClassRaw);
    }

    private static SegmentResponse Response(string id, int bytes) =>
        new() { CorrelationId = id, Model = "fake", ModelVersion = "1", ClassRaw = ByteString.CopyFrom(new byte[bytes]) };

    private sealed class CountingRunner : ISegmentJobRunner
    {
        public int Calls { get; private set; }

        public Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext job, CancellationToken cancellationToken)
        {
            if (job.DeadlineUtc <= DateTime.UtcNow)
            {
                throw new SegmentationException(SegmentationErrorKind.DeadlineExceeded, ErrorReason.DeadlineExceeded, "late");
            }

            Calls++;
            return Task.FromResult(Response(request.CorrelationId, 100));
        }
    }
}
