using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PointRend.Contracts.V1;
using PointRend.Distributed.FunctionalTests;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Client.Tests;

/// <summary>
/// Retries against a real refusal: a distributed gateway whose Redis job stream holds at most one job
/// (<c>Queue:MaxLength</c> = 1) answers RESOURCE_EXHAUSTED QUEUE_FULL with a RetryInfo while another caller's job
/// fills it, and the client waits as told and tries again until a worker, started late, has drained the stream.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private const string Prefix = nameof(RetryTests);
    private readonly TestLogSink _clientLogs = new();
    private RedisServer? _redis;
    private GatewayServer? _gateway;
    private WorkerProcess? _worker;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        _gateway = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Redis:Configuration"] = _redis.Configuration,
            ["Redis:KeyPrefix"] = Prefix,
            ["Queue:MaxLength"] = "1",
            ["Queue:SafetyPoll"] = "00:00:00.500",
            ["Cache:Enabled"] = "false",
        });
    }

    [Fact]
    public async Task SegmentAsync_QueueFullWithRetryInfo_RetriedAfterTheDelayUntilItSucceeds()
    {
        // Arrange: a worker's presence (so jobs are accepted) but no consumer, and another caller's job filling the stream.
        await using var idleWorker = await PresenceBeat.StartAsync(_redis!, Prefix);
        using var inspector = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        var filler = await FillTheQueueAsync(inspector, IPAddress.Parse("127.0.0.2"));
        using var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(_clientLogs))
            .AddPointRendClient(o =>
            {
                o.Address = new Uri(_gateway!.Address);
                o.MaxRetries = 200; // bounded by the deadline: a worker process takes seconds to start on a busy machine
                o.DefaultDeadline = PointRend.Testing.TaskExtensions.DefaultTimeoutSpan;
            }).Services.BuildServiceProvider();
        var client = services.GetRequiredService<PointRendClient>();

        // Act: the call is refused while the stream is full; a worker that joins drains it.
        var call = client.SegmentAsync(Coarse("retried"));
        await Poll.UntilAsync(() => Refusals("queue is full") > 0 || call.IsCompleted);
        _worker = WorkerProcess.Start(_redis.Configuration, Prefix);
        SegmentResponse response;
        try
        {
            response = await call.DefaultTimeout();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"not answered: {ex.Message}\nworker {_worker.Pid}:\n{_worker.Output}", ex);
        }

        // Assert: answered after at least one refusal, each retry after the RetryInfo delay the gateway sent.
        Assert.Equal(("retried", 480), (response.CorrelationId, response.Width));
        Assert.True(Refusals("queue is full") >= 1, "the gateway never refused the call");
        var retries = _clientLogs.Entries.Where(e => e.EventId.Name == "CallRetried").ToList();
        Assert.NotEmpty(retries);
        Assert.All(retries.Where(r => r.Message.Contains("QUEUE_FULL", StringComparison.Ordinal)),
            r => Assert.Contains($"in {TimeSpan.FromSeconds(1)}", r.Message, StringComparison.Ordinal));
        Assert.Contains(retries, r => r.Message.Contains("ResourceExhausted QUEUE_FULL", StringComparison.Ordinal));
        Assert.Equal("filler", (await filler.DefaultTimeout()).CorrelationId);
    }

    [Fact]
    public async Task SegmentAsync_QueueFullAndRetriesUsedUp_ThrowsTheRefusalWithItsRetryDelay()
    {
        await using var idleWorker = await PresenceBeat.StartAsync(_redis!, Prefix);
        using var inspector = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        _ = await FillTheQueueAsync(inspector, IPAddress.Parse("127.0.0.2"));
        using var client = PointRendClient.Create(new PointRendClientOptions { Address = new Uri(_gateway!.Address), MaxRetries = 2 });

        var ex = await Assert.ThrowsAsync<PointRendException>(() => client.SegmentAsync(Coarse("refused"))).DefaultTimeout();

        Assert.Equal((StatusCode.ResourceExhausted, ErrorReason.QueueFull, TimeSpan.FromSeconds(1)), (ex.StatusCode, ex.Reason, ex.RetryDelay));
        Assert.True(ex.IsRetryable);
        Assert.Equal(1 + 2, Refusals("queue is full")); // the first attempt and both retries
    }

    /// <summary>
    /// Another caller's job (from <paramref name="from"/>, so it has a line of its own) that stays in the stream, which
    /// then holds Queue:MaxLength jobs: nothing consumes until a worker process starts.
    /// </summary>
    private async Task<Task<SegmentResponse>> FillTheQueueAsync(ConnectionMultiplexer inspector, IPAddress from)
    {
        var presence = _gateway!.Services.GetRequiredService<WorkerPresence>();
        await Poll.UntilAsync(async () => await presence.RefreshAsync() > 0); // else the gateway answers NO_WORKERS
        var filler = _gateway.ClientFrom(from).SegmentAsync(Coarse("filler"), deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync;
        await Poll.UntilAsync(async () => filler.IsCompleted || await inspector.GetDatabase().StreamLengthAsync($"{Prefix}:jobs") == 1);
        Assert.False(filler.IsCompleted, $"the filler job was answered: {filler.Exception}");
        return filler;
    }

    private int Refusals(string text) =>
        _gateway!.Logs.Entries.Count(e => e.EventId.Name == "RequestRefused" && e.Message.Contains(text, StringComparison.Ordinal));

    private static SegmentRequest Coarse(string id) => new()
    {
        CorrelationId = id,
        Image = new Image { Encoded = ByteString.CopyFrom(Requests.SamplePng) },
        Options = new SegmentOptions { Mode = RenderMode.Coarse },
    };

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
