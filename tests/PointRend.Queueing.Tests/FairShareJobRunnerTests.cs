using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Queueing.Tests;

/// <summary>Fair sharing with an inner runner the test holds, so which job reaches the queue when is exact, not timed.</summary>
public sealed class FairShareJobRunnerTests
{
    private static DateTime Later => DateTime.UtcNow.AddMinutes(1);

    [Fact]
    public async Task OneCallersBurst_AnotherCallersJobReachesTheQueueBeforeTheBurstsRest()
    {
        var inner = new HeldRunner();
        var fair = new FairShareJobRunner(inner, () => 2, maxWaiting: 64, "Test:MaxWaiting");
        var burst = Enumerable.Range(0, 6).Select(i => fair.RunAsync(Request($"a{i}"), new JobContext(Later, "A"), default)).ToList();
        var frame = fair.RunAsync(Request("b0"), new JobContext(Later, "B"), default);

        // A holds its two slots; B's job went straight through, ahead of A's other four.
        Assert.Equal(["a0", "a1", "b0"], inner.Started);
        inner.FinishNext();
        await Poll.UntilAsync(() => Task.FromResult(inner.Started.Count == 4));
        Assert.Equal("a2", inner.Started[3]);
        inner.FinishAll();
        await Task.WhenAll(burst.Append(frame)).DefaultTimeout();
        Assert.Equal(7, inner.Started.Count);
        Assert.Equal(0, fair.Callers);
    }

    [Fact]
    public async Task CallersLineFull_QueueFullAtOnceNamingTheKey()
    {
        var inner = new HeldRunner();
        var fair = new FairShareJobRunner(inner, () => 1, maxWaiting: 2, "WorkerPool:QueueCapacity");
        var accepted = Enumerable.Range(0, 3).Select(i => fair.RunAsync(Request($"a{i}"), new JobContext(Later, "A"), default)).ToList();

        var ex = await Assert.ThrowsAsync<SegmentationException>(() => fair.RunAsync(Request("a3"), new JobContext(Later, "A"), default));

        Assert.Equal((SegmentationErrorKind.ResourceExhausted, ErrorReason.QueueFull), (ex.Kind, ex.Reason));
        Assert.Contains("WorkerPool:QueueCapacity = 2", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.RetryAfter);
        var other = fair.RunAsync(Request("b"), new JobContext(Later, "B"), default);
        Assert.Contains("b", inner.Started); // another caller's line is its own
        inner.FinishAll();
        await Task.WhenAll(accepted.Append(other)).DefaultTimeout();
    }

    [Fact]
    public async Task WaitingJobsDeadlinePasses_DeadlineExceededAndItsPlaceIsFreed()
    {
        var inner = new HeldRunner();
        var fair = new FairShareJobRunner(inner, () => 1, maxWaiting: 8, "Test:MaxWaiting");
        var running = fair.RunAsync(Request("a0"), new JobContext(Later, "A"), default);

        var ex = await Assert.ThrowsAsync<SegmentationException>(
            () => fair.RunAsync(Request("a1"), new JobContext(DateTime.UtcNow.AddMilliseconds(50), "A"), default)).DefaultTimeout();

        Assert.Equal(ErrorReason.DeadlineExceeded, ex.Reason);
        var next = fair.RunAsync(Request("a2"), new JobContext(Later, "A"), default);
        inner.FinishAll();
        await Task.WhenAll(running, next).DefaultTimeout();
        Assert.DoesNotContain("a1", inner.Started);
    }

    private static SegmentRequest Request(string id) => new() { CorrelationId = id };

    /// <summary>Records the order jobs reach it and answers each only when told (after FinishAll, at once).</summary>
    private sealed class HeldRunner : ISegmentJobRunner
    {
        private readonly List<TaskCompletionSource<SegmentResponse>> _held = [];
        private bool _open;

        public List<string> Started { get; } = [];

        public Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext job, CancellationToken cancellationToken)
        {
            lock (_held)
            {
                Started.Add(request.CorrelationId);
                var done = new TaskCompletionSource<SegmentResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Add(done);
                if (_open)
                {
                    done.SetResult(new SegmentResponse());
                }

                return done.Task;
            }
        }

        public void FinishNext()
        {
            lock (_held)
            {
                _held.First(h => !h.Task.IsCompleted).SetResult(new SegmentResponse());
            }
        }

        public void FinishAll()
        {
            lock (_held)
            {
                _open = true;
                _held.ForEach(h => h.TrySetResult(new SegmentResponse()));
            }
        }
    }
}
