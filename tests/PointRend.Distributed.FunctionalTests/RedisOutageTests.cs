using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PointRend.Contracts.V1;
using PointRend.Contracts;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>Kills and restarts its own redis-server, so it has a server to itself.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class RedisOutageTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    [Fact]
    public async Task WhileRedisIsDownRequestsFailWithUnavailableAndTheProcessStaysUp()
    {
        await redis.Server.StartAsync();
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddConsumerAsync(new FakeProcessor());
        await harness.Runner.RunAsync(FakeProcessor.Request("before", "b"), Deadline(), default).DefaultTimeout();

        redis.Server.Kill();

        // Twice: the first may meet a connection not yet known to be dead, the second one known to be down.
        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<SegmentationException>(
                () => harness.Runner.RunAsync(FakeProcessor.Request($"down-{i}", "d"), Deadline(), default).DefaultTimeout());
            Assert.Equal((SegmentationErrorKind.Unavailable, ErrorReason.BackendUnavailable), (error.Kind, error.Reason));
            Assert.DoesNotContain(redis.Server.Port.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.NotNull(error.RetryAfter);
        }

        await redis.Server.StartAsync();
    }

    [Fact]
    public async Task AfterARestartWhileIdleGatewayAndWorkerServeAgain()
    {
        await redis.Server.StartAsync();
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);
        await harness.Runner.RunAsync(FakeProcessor.Request("before", "b"), Deadline(), default).DefaultTimeout();

        redis.Server.Kill();
        await QueueHarness.WaitUntilAsync(() => Task.FromResult(!harness.Runner.IsConnected));
        await redis.Server.StartAsync(); // empty: no stream, no group, no subscriptions

        // Reconnected means both sides subscribed again (the worker's doorbell, this gateway's replies).
        await QueueHarness.WaitUntilAsync(async () =>
            await SubscribersAsync(harness, harness.Keys.Doorbell) >= 1
            && await SubscribersAsync(harness, RedisChannel.Literal(harness.Runner.ReplyChannel)) >= 1);

        var response = await harness.Runner.RunAsync(FakeProcessor.Request("after", "a"), Deadline(), default).DefaultTimeout();

        Assert.Equal("after", response.CorrelationId);
        Assert.Equal(["before", "after"], processor.Seen);
    }

    [Fact]
    public async Task JobLostInARedisRestartIsSubmittedAgainAndAnsweredBeforeItsDeadline()
    {
        await redis.Server.StartAsync();
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddIdleWorkerPresenceAsync(); // alive but busy: the job waits in the stream
        var call = harness.Runner.RunAsync(FakeProcessor.Request("lost", "l"), DateTime.UtcNow.AddSeconds(45), default);
        await QueueHarness.WaitUntilAsync(async () => await harness.BacklogAsync() == 1);

        redis.Server.Kill();
        await QueueHarness.WaitUntilAsync(() => Task.FromResult(!harness.Runner.IsConnected));
        await redis.Server.StartAsync(); // empty: the job and its payload are gone
        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);

        // Without the resubmission nothing would answer before the 45 s deadline; the test's bound is shorter than that.
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("lost", response.CorrelationId);
        Assert.Equal(["lost"], processor.Seen);
        Assert.Contains(harness.LogSink.Entries, e => e.EventId.Name == "JobResubmitted");
    }

    [Fact]
    public async Task GatewayAndWorkerStartedWhileRedisIsDownServeOnceItIsUp()
    {
        redis.Server.Kill();
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        var processor = new FakeProcessor();
        var consumer = harness.AddConsumerAsync(processor);
        var refused = await Assert.ThrowsAsync<SegmentationException>(
            () => harness.Runner.RunAsync(FakeProcessor.Request("early", "e"), Deadline(), default).DefaultTimeout());
        Assert.Equal(SegmentationErrorKind.Unavailable, refused.Kind);

        await redis.Server.StartAsync();
        await consumer.DefaultTimeout();

        // The gateway subscribes to its replies on its first request after Redis is back, before enqueueing.
        await QueueHarness.WaitUntilAsync(async () => harness.Runner.IsConnected && await SubscribersAsync(harness, harness.Keys.Doorbell) >= 1);

        var response = await harness.Runner.RunAsync(FakeProcessor.Request("late", "l"), Deadline(), default).DefaultTimeout();

        Assert.Equal("late", response.CorrelationId);
    }

    [Fact]
    public async Task HealthIsUnhealthyWhileRedisIsDownAndHealthyOnceItIsBack()
    {
        await redis.Server.StartAsync();
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        var check = new RedisHealthCheck(harness.GatewayRedis);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        redis.Server.Kill();
        await QueueHarness.WaitUntilAsync(() => Task.FromResult(!harness.Runner.IsConnected));
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        await redis.Server.StartAsync();
        await QueueHarness.WaitUntilAsync(async () => (await check.CheckHealthAsync(new HealthCheckContext())).Status == HealthStatus.Healthy);
    }

    [Fact]
    public async Task DistributedGatewayReportsNotServingAndUnavailableWhileRedisIsDown()
    {
        // The whole gateway over gRPC, as a Kubernetes probe and a caller see it.
        await redis.Server.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Redis:Configuration"] = redis.Server.Configuration,
            ["Redis:KeyPrefix"] = nameof(DistributedGatewayReportsNotServingAndUnavailableWhileRedisIsDown),
        });
        await using var worker = await PresenceBeat.StartAsync(redis.Server, nameof(DistributedGatewayReportsNotServingAndUnavailableWhileRedisIsDown));
        await QueueHarness.WaitUntilAsync(async () => await HealthAsync(gateway) == HealthCheckResponse.Types.ServingStatus.Serving);

        redis.Server.Kill();
        await QueueHarness.WaitUntilAsync(async () => await HealthAsync(gateway) == HealthCheckResponse.Types.ServingStatus.NotServing);
        var request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) } };
        var refused = await Assert.ThrowsAsync<RpcException>(() => gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout());
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        ErrorDetails.AssertClean(refused.Status.Detail);
        Assert.DoesNotContain(redis.Server.Port.ToString(CultureInfo.InvariantCulture), refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.GetRpcStatus()!.GetDetail<Google.Rpc.RetryInfo>());

        await redis.Server.StartAsync();
        await QueueHarness.WaitUntilAsync(async () => await HealthAsync(gateway) == HealthCheckResponse.Types.ServingStatus.Serving);
        gateway.AssertNoUnexpectedErrors("HealthCheckEnd"); // the health service logs each Unhealthy result as an error
    }

    [Fact]
    public async Task DistributedGatewayWithNoLiveWorkerIsNotServingAndRefusesAtOnce()
    {
        await redis.Server.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Redis:Configuration"] = redis.Server.Configuration,
            ["Redis:KeyPrefix"] = nameof(DistributedGatewayWithNoLiveWorkerIsNotServingAndRefusesAtOnce),
        });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await HealthAsync(gateway));
        var request = new SegmentRequest { Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) } };

        // The default 30 s deadline: only the liveness check can answer within the test's bound.
        var refused = await Assert.ThrowsAsync<RpcException>(() => gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout());

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        var status = refused.GetRpcStatus()!;
        Assert.Equal("NO_WORKERS", status.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        Assert.NotNull(status.GetDetail<Google.Rpc.RetryInfo>());
        ErrorDetails.AssertClean(refused.Status.Detail);

        // A worker appears (its presence beat): the same gateway serves health again.
        await using var worker = await PresenceBeat.StartAsync(redis.Server, nameof(DistributedGatewayWithNoLiveWorkerIsNotServingAndRefusesAtOnce));
        await QueueHarness.WaitUntilAsync(async () => await HealthAsync(gateway) == HealthCheckResponse.Types.ServingStatus.Serving);
        gateway.AssertNoUnexpectedErrors("HealthCheckEnd");
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(GatewayServer gateway) =>
        (await gateway.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout()).Status;

    private static async Task<long> SubscribersAsync(QueueHarness harness, RedisChannel channel)
    {
        try
        {
            return (long)(await harness.Db.ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))[1];
        }
        catch (RedisException)
        {
            return 0;
        }
    }
}
