using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>The queue's contract on a real redis-server, with in-process consumers and a stand-in processor.</summary>
public sealed class RedisQueueTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static DateTime Deadline(double seconds = 60) => DateTime.UtcNow.AddSeconds(seconds);

    [Fact]
    public async Task JobRunsOnAWorkerAndItsResultReachesTheCaller()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddConsumerAsync(new FakeProcessor());

        var response = await harness.Runner.RunAsync(FakeProcessor.Request("r1", "abc"), Deadline(), default).DefaultTimeout();

        Assert.Equal("r1", response.CorrelationId);
        Assert.Equal("abc", response.ClassRaw.ToStringUtf8());
        Assert.Equal(0, await harness.BacklogAsync());
        Assert.Empty(await harness.Db.StreamPendingMessagesAsync(harness.Keys.Jobs, harness.Queue.ConsumerGroup, 10, RedisValue.Null));
        Assert.Empty(harness.UnexpectedErrors());
    }

    [Fact]
    public async Task PayloadTravelsInAKeyNotInTheStreamEntry()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddIdleWorkerPresenceAsync();
        var big = new string('x', 100_000);
        using var cancel = new CancellationTokenSource();
        var call = harness.Runner.RunAsync(FakeProcessor.Request("r1", big), Deadline(), cancel.Token);

        await QueueHarness.WaitUntilAsync(async () => await harness.BacklogAsync() == 1);
        var entry = Assert.Single(await harness.Db.StreamRangeAsync(harness.Keys.Jobs));
        Assert.All(entry.Values, v => Assert.True(v.Value.ToString().Length < 200, $"field {v.Name} holds {v.Value.ToString().Length} chars"));
        var payload = await harness.Db.StringGetAsync((string)entry["payload"]!);
        Assert.Equal(big, SegmentRequest.Parser.ParseFrom((byte[])payload!).Image.Encoded.ToStringUtf8());

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<SegmentationException>(() => call.DefaultTimeout());
        Assert.Equal(SegmentationErrorKind.Cancelled, error.Kind);
    }

    [Fact]
    public async Task FullQueueRefusesAtOnceWithResourceExhausted()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server, q => q.MaxLength = 2);
        await harness.AddIdleWorkerPresenceAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = new[]
        {
            harness.Runner.RunAsync(FakeProcessor.Request("a", "a"), Deadline(), cancel.Token),
            harness.Runner.RunAsync(FakeProcessor.Request("b", "b"), Deadline(), cancel.Token),
        };
        await QueueHarness.WaitUntilAsync(async () => await harness.BacklogAsync() == 2);

        // No worker runs, so only the bound can answer this before the 60 s deadline.
        var error = await Assert.ThrowsAsync<SegmentationException>(() => harness.Runner.RunAsync(FakeProcessor.Request("c", "c"), Deadline(), default).DefaultTimeout());

        Assert.Equal(SegmentationErrorKind.ResourceExhausted, error.Kind);
        Assert.Contains("Queue:MaxLength = 2", error.Message);
        await cancel.CancelAsync();
        foreach (var call in waiting)
        {
            await Assert.ThrowsAsync<SegmentationException>(() => call.DefaultTimeout());
        }
    }

    [Fact]
    public async Task JobPastItsDeadlineIsNeverProcessed()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddIdleWorkerPresenceAsync();
        var expired = await Assert.ThrowsAsync<SegmentationException>(
            () => harness.Runner.RunAsync(FakeProcessor.Request("late", "late"), Deadline(0.3), default).DefaultTimeout());
        Assert.Equal(SegmentationErrorKind.DeadlineExceeded, expired.Kind);
        Assert.Equal(1, await harness.BacklogAsync());

        // One consumer, one job at a time, in stream order: once the second job is answered the first was handled.
        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);
        await harness.Runner.RunAsync(FakeProcessor.Request("on-time", "x"), Deadline(), default).DefaultTimeout();

        Assert.Equal(["on-time"], processor.Seen);
        Assert.Equal(0, await harness.BacklogAsync());
        Assert.Empty(await harness.DeadLettersAsync());
    }

    [Fact]
    public async Task PoisonedJobIsAnsweredWithItsErrorWithoutHurtingOthersAndNotDeadLettered()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);

        var poisoned = harness.Runner.RunAsync(new SegmentRequest { CorrelationId = "bad", Image = new Image { Encoded = FakeProcessor.Poison } }, Deadline(), default);
        var good = harness.Runner.RunAsync(FakeProcessor.Request("good", "fine"), Deadline(), default);

        var error = await Assert.ThrowsAsync<SegmentationException>(() => poisoned.DefaultTimeout());
        Assert.Equal(SegmentationErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("neither PNG nor JPEG", error.Message);
        Assert.Equal("fine", (await good.DefaultTimeout()).ClassRaw.ToStringUtf8());

        Assert.Equal(ErrorReason.ImageUnsupportedFormat, error.Reason);
        Assert.Equal("image.encoded", error.Field);
        Assert.Empty(await harness.DeadLettersAsync()); // the caller's fault, not the system's
        Assert.Equal(2, processor.Seen.Count); // answered once, not retried
        Assert.Equal(0, await harness.BacklogAsync());
    }

    [Fact]
    public async Task JobOfAVanishedWorkerIsReclaimedAndAnsweredOnce()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server, q => q.ClaimIdle = TimeSpan.FromMilliseconds(600));
        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);
        processor.Gate = new TaskCompletionSource(); // keep the real consumer busy until the ghost holds the job
        var blocker = harness.Runner.RunAsync(FakeProcessor.Request("blocker", "b"), Deadline(), default);
        await QueueHarness.WaitUntilAsync(() => Task.FromResult(processor.Seen.Count == 1));

        var call = harness.Runner.RunAsync(FakeProcessor.Request("orphan", "o"), Deadline(), default);
        var taken = await GhostTakesAsync(harness);
        Assert.Single(taken);
        processor.Gate.SetResult();

        Assert.Equal("o", (await call.DefaultTimeout()).ClassRaw.ToStringUtf8());
        await blocker.DefaultTimeout();
        Assert.Equal(["blocker", "orphan"], processor.Seen);
        Assert.Empty(await harness.DeadLettersAsync());
        Assert.Equal(0, await harness.BacklogAsync());
    }

    [Fact]
    public async Task JobDeliveredMoreThanMaxDeliveriesIsDeadLetteredAndTheCallerTold()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server, q =>
        {
            q.ClaimIdle = TimeSpan.FromMilliseconds(600);
            q.MaxDeliveries = 1;
        });
        await harness.AddIdleWorkerPresenceAsync();
        var call = harness.Runner.RunAsync(FakeProcessor.Request("doomed", "d"), Deadline(), default);
        await QueueHarness.WaitUntilAsync(async () => await harness.BacklogAsync() == 1);
        await harness.Db.StreamCreateConsumerGroupAsync(harness.Keys.Jobs, harness.Queue.ConsumerGroup, "0-0");
        Assert.Single(await GhostTakesAsync(harness));

        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);

        var error = await Assert.ThrowsAsync<SegmentationException>(() => call.DefaultTimeout());
        Assert.Equal(SegmentationErrorKind.Internal, error.Kind);
        Assert.Contains("given up after 1 deliveries", error.Message);
        Assert.Empty(processor.Seen);
        var dead = Assert.Single(await harness.DeadLettersAsync());
        Assert.Equal(1, (int)dead["deliveries"]);
        Assert.Contains("Queue:ClaimIdle", (string?)dead["reason"]);
        Assert.Equal(0, await harness.BacklogAsync());
    }

    [Fact]
    public async Task CancelledRequestIsSkippedByTheWorker()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server);
        await harness.AddIdleWorkerPresenceAsync();
        using var cancel = new CancellationTokenSource();
        var call = harness.Runner.RunAsync(FakeProcessor.Request("gone", "g"), Deadline(), cancel.Token);
        await QueueHarness.WaitUntilAsync(async () => await harness.BacklogAsync() == 1);
        await cancel.CancelAsync();
        Assert.Equal(SegmentationErrorKind.Cancelled, (await Assert.ThrowsAsync<SegmentationException>(() => call.DefaultTimeout())).Kind);

        var processor = new FakeProcessor();
        await harness.AddConsumerAsync(processor);
        await harness.Runner.RunAsync(FakeProcessor.Request("next", "n"), Deadline(), default).DefaultTimeout();

        Assert.Equal(["next"], processor.Seen);
    }

    /// <summary>A consumer that reads a job and then dies without a word (no ack, no heartbeat).</summary>
    private static async Task<StreamEntry[]> GhostTakesAsync(QueueHarness harness)
    {
        StreamEntry[] taken = [];
        await QueueHarness.WaitUntilAsync(async () =>
        {
            taken = await harness.Db.StreamReadGroupAsync(harness.Keys.Jobs, harness.Queue.ConsumerGroup, "ghost", StreamPosition.NewMessages, 1);
            return taken.Length > 0;
        });
        return taken;
    }
}
