using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Benchmarks;

/// <summary>
/// What distributed mode adds per request: the gateway's <see cref="RedisJobRunner"/> through a real redis-server on
/// loopback to a <see cref="RedisJobConsumer"/> whose processor answers at once. Payloads are a real CamVid frame (PNG)
/// in and a 480x360 class_raw out, so the bytes moved are those of a production request.
/// </summary>
[MedianColumn, MinColumn, Q3Column]
public class RedisHopBenchmarks
{
    private RedisServer _server = null!;
    private ConnectionMultiplexer _gatewayRedis = null!;
    private ConnectionMultiplexer _workerRedis = null!;
    private RedisJobRunner _runner = null!;
    private CancellationTokenSource _stop = null!;
    private Task _consumer = null!;
    private SegmentRequest _request = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisServer.StartNewAsync();
        var redis = new RedisOptions { Configuration = _server.Configuration, KeyPrefix = "bench" };
        var queue = new QueueOptions();
        _gatewayRedis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis, "bench-gateway"));
        _workerRedis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis, "bench-worker"));
        _runner = new RedisJobRunner(_gatewayRedis, Options.Create(redis), Options.Create(queue),
            new WorkerPresence(_gatewayRedis, Options.Create(redis), Options.Create(queue)), NullLogger<RedisJobRunner>.Instance);
        var consumer = new RedisJobConsumer(_workerRedis, new AnswerAtOnce(), Options.Create(redis), Options.Create(queue),
            new WorkerPresence(_workerRedis, Options.Create(redis), Options.Create(queue)), NullLogger<RedisJobConsumer>.Instance);
        _stop = new CancellationTokenSource();
        _consumer = Task.Run(() => consumer.RunAsync(_stop.Token));
        _request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) } };
        await Hop(); // joins the group and subscribes to replies before measuring
    }

    [Benchmark(Description = "Redis hop: CamVid PNG in, 480x360 class_raw out")]
    public Task<SegmentResponse> Hop() => _runner.RunAsync(_request, DateTime.UtcNow.AddSeconds(30), CancellationToken.None);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _stop.CancelAsync();
        await _consumer;
        await _runner.DisposeAsync();
        await _gatewayRedis.DisposeAsync();
        await _workerRedis.DisposeAsync();
        await _server.DisposeAsync();
    }

    private sealed class AnswerAtOnce : ISegmentProcessor
    {
        private static readonly ByteString Labels = ByteString.CopyFrom(new byte[480 * 360]);

        public SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken) =>
            new() { CorrelationId = request.CorrelationId, Model = "bench", ModelVersion = "1", Width = 480, Height = 360, ClassRaw = Labels };
    }
}
