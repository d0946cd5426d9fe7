using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Queueing.InProcess;
using PointRend.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace PointRend.Queueing.Tests;

/// <summary>The embedded pool on its own, with a processor the test holds, so queue states are exact rather than timed.</summary>
public sealed class InProcessJobRunnerTests
{
    [Fact]
    public async Task RunAsync_QueueFull_ThrowsResourceExhaustedAtOnce()
    {
        var processor = new GatedProcessor();
        await using var runner = Runner(processor);
        var running = runner.RunAsync(Request("a"), Later, CancellationToken.None);
        await processor.Entered.Task.DefaultTimeout();
        var queued = runner.RunAsync(Request("b"), Later, CancellationToken.None);

        var ex = Assert.Throws<SegmentationException>(() => { _ = runner.RunAsync(Request("c"), Later, CancellationToken.None); });

        Assert.Equal(SegmentationErrorKind.ResourceExhausted, ex.Kind);
        Assert.Contains("WorkerPool:QueueCapacity = 1", ex.Message, StringComparison.Ordinal);
        processor.Release.SetResult();
        Assert.Equal("a", (await running.DefaultTimeout()).CorrelationId);
        Assert.Equal("b", (await queued.DefaultTimeout()).CorrelationId);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileQueued_AnswersAtOnceAndIsSkipped()
    {
        var processor = new GatedProcessor();
        await using var runner = Runner(processor);
        var running = runner.RunAsync(Request("a"), Later, CancellationToken.None);
        await processor.Entered.Task.DefaultTimeout();
        using var cts = new CancellationTokenSource();
        var queued = runner.RunAsync(Request("b"), Later, cts.Token);

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<SegmentationException>(() => queued).DefaultTimeout();
        Assert.Equal(SegmentationErrorKind.Cancelled, ex.Kind);
        processor.Release.SetResult();
        await running.DefaultTimeout();
        await Task.Delay(100);
        Assert.DoesNotContain("b", processor.Seen);
    }

    [Fact]
    public async Task RunAsync_DeadlinePassesWhileQueued_DeadlineExceededAndSkipped()
    {
        var processor = new GatedProcessor();
        await using var runner = Runner(processor);
        var running = runner.RunAsync(Request("a"), Later, CancellationToken.None);
        await processor.Entered.Task.DefaultTimeout();

        var queued = runner.RunAsync(Request("b"), DateTime.UtcNow.AddMilliseconds(50), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<SegmentationException>(() => queued).DefaultTimeout();
        Assert.Equal(SegmentationErrorKind.DeadlineExceeded, ex.Kind);
        processor.Release.SetResult();
        await running.DefaultTimeout();
        await Task.Delay(100);
        Assert.DoesNotContain("b", processor.Seen);
    }

    [Fact]
    public async Task RunAsync_DeadlineAlreadyPassed_ThrowsWithoutQueueing()
    {
        var processor = new GatedProcessor();
        processor.Release.SetResult();
        await using var runner = Runner(processor);

        var ex = Assert.Throws<SegmentationException>(() => { _ = runner.RunAsync(Request("late"), DateTime.UtcNow.AddSeconds(-1), CancellationToken.None); });

        Assert.Equal(SegmentationErrorKind.DeadlineExceeded, ex.Kind);
        Assert.Empty(processor.Seen);
    }

    [Fact]
    public async Task RunAsync_FinishesAfterItsDeadlineWhileTheTimerIsLate_DeadlineExceededNotOk()
    {
        // The deadline timer never fires here (as when a starved thread pool runs its callback late): the answer must
        // still follow the clock, not whichever of the job and the timer got the CPU first.
        var clock = new StalledTimerClock(DateTimeOffset.UtcNow);
        var processor = new ClockAdvancingProcessor(clock, TimeSpan.FromSeconds(2));
        await using var runner = new InProcessJobRunner(
            processor, MsOptions.Create(new WorkerPoolOptions { Workers = 1, QueueCapacity = 1 }), NullLogger<InProcessJobRunner>.Instance, clock);

        var call = runner.RunAsync(Request("slow"), clock.GetUtcNow().UtcDateTime.AddSeconds(1), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<SegmentationException>(() => call).DefaultTimeout();
        Assert.Equal(SegmentationErrorKind.DeadlineExceeded, ex.Kind);
        Assert.Contains("passed while it ran", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["slow"], processor.Seen);
    }

    private static DateTime Later => DateTime.UtcNow.AddMinutes(1);

    private static SegmentRequest Request(string id) => new() { CorrelationId = id };

    private static InProcessJobRunner Runner(ISegmentProcessor processor) => new(
        processor, MsOptions.Create(new WorkerPoolOptions { Workers = 1, QueueCapacity = 1 }), NullLogger<InProcessJobRunner>.Instance);

    /// <summary>A clock the test moves by hand, whose timers never fire.</summary>
    private sealed class StalledTimerClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    /// <summary>Work that takes <c>duration</c> on the test's clock and then answers OK.</summary>
    private sealed class ClockAdvancingProcessor(StalledTimerClock clock, TimeSpan duration) : ISegmentProcessor
    {
        public ConcurrentBag<string> Seen { get; } = [];

        public SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken)
        {
            Seen.Add(request.CorrelationId);
            clock.Advance(duration);
            return new SegmentResponse { CorrelationId = request.CorrelationId };
        }
    }

    /// <summary>Blocks every call until Release; records the ids it was given.</summary>
    private sealed class GatedProcessor : ISegmentProcessor
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentBag<string> Seen { get; } = [];

        public SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken)
        {
            Seen.Add(request.CorrelationId);
            Entered.TrySetResult();
            Release.Task.Wait(cancellationToken);
            return new SegmentResponse { CorrelationId = request.CorrelationId };
        }
    }
}
