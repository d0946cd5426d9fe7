using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Queueing.InProcess;

/// <summary>
/// Bounded queue drained by N worker threads calling <see cref="ISegmentProcessor.Process"/>. A full queue refuses at
/// once; a job whose caller gave up (deadline or cancellation) is skipped when a worker reaches it.
/// </summary>
/// <remarks>
/// The workers are dedicated threads, not thread-pool tasks: inference blocks for tens of milliseconds to seconds, and
/// on a 2-core pod two blocked pool threads starve the deadline timers and Kestrel until the pool grows, so a request
/// could finish long after its deadline instead of being answered DEADLINE_EXCEEDED on time.
/// </remarks>
public sealed partial class InProcessJobRunner : ISegmentJobRunner, IHealthCheck, IAsyncDisposable
{
    private readonly ISegmentProcessor _processor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Job> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _workers;
    private readonly int _capacity;
    private int _disposed;
    private int _count;

    public InProcessJobRunner(ISegmentProcessor processor, IOptions<WorkerPoolOptions> options, ILogger<InProcessJobRunner> logger, TimeProvider? time = null)
    {
        _processor = processor;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _capacity = options.Value.QueueCapacity;
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; nothing ever waits
            SingleReader = false,
            SingleWriter = false,
        });
        _workers = new Task[options.Value.EffectiveWorkers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Factory.StartNew(WorkLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    public Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken)
    {
        var deadlineUtc = context.DeadlineUtc;
        cancellationToken.ThrowIfCancellationRequested();
        var remaining = deadlineUtc - _time.GetUtcNow().UtcDateTime;
        if (remaining <= TimeSpan.Zero)
        {
            throw DeadlineExceeded(request);
        }

        var job = new Job(request, _time, remaining, cancellationToken);
        Admitted(); // first: a worker may finish the job before TryWrite returns
        if (!_queue.Writer.TryWrite(job))
        {
            job.Dispose();
            Left();
            QueueMetrics.Refused.WithLabels("full").Inc();
            throw new SegmentationException(
                SegmentationErrorKind.ResourceExhausted,
                ErrorReason.QueueFull,
                $"the in-process queue is full ({_capacity} waiting, {WorkerPoolOptions.SectionName}:{nameof(WorkerPoolOptions.QueueCapacity)} = {_capacity}); retry later",
                retryAfter: TimeSpan.FromSeconds(1));
        }

        QueueMetrics.Enqueued.Inc();
        return job.Completion.Task;
    }

    private void WorkLoop()
    {
        try
        {
            // Blocking is the point here: this thread is the worker's own.
            while (_queue.Reader.WaitToReadAsync(_stopping.Token).AsTask().GetAwaiter().GetResult())
            {
                if (_queue.Reader.TryRead(out var job))
                {
                    Execute(job);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Serving while the workers run; not once a stop has begun (load balancers should send no more).</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Volatile.Read(ref _disposed) == 0 && _workers.All(w => !w.IsCompleted)
            ? HealthCheckResult.Healthy($"{_workers.Length} workers, {Count} jobs accepted and unanswered")
            : HealthCheckResult.Unhealthy("the worker pool is stopping"));

    /// <summary>Jobs accepted and not yet answered by a worker: waiting plus running.</summary>
    public int Count => Volatile.Read(ref _count);

    private void Admitted()
    {
        Interlocked.Increment(ref _count);
        QueueMetrics.Length.Inc();
    }

    private void Left()
    {
        Interlocked.Decrement(ref _count);
        QueueMetrics.Length.Dec();
    }

    private void Execute(Job job)
    {
        using (job)
        {
            QueueMetrics.Processed.WithLabels(Run(job)).Inc();
            Left();
        }
    }

    /// <summary>Answers the job's caller; returns the outcome label of pointrend_worker_jobs_total.</summary>
    private string Run(Job job)
    {
        if (job.Completion.Task.IsCompleted)
        {
            return job.CallerGaveUp ? "withdrawn" : "expired"; // caller already answered
        }

        var queueMs = Stopwatch.GetElapsedTime(job.Enqueued).TotalMilliseconds;
        using var modelTime = QueueMetrics.ModelTime.NewTimer();

        // A dedicated thread has no caller context: the job brought its trace, so the pipeline's spans join it.
        using var process = JobTracing.Source.StartActivity("pointrend.jobs process", ActivityKind.Internal, job.Trace);
        try
        {
            job.Start();
            var response = _processor.Process(job.Request, job.Token);
            if (job.PastDeadline)
            {
                // Decided by the clock, not by the deadline timer alone: a timer callback delayed by a busy thread pool
                // must not turn a late answer into OK after the caller was promised DEADLINE_EXCEEDED at the deadline.
                job.Fail();
                return job.CallerGaveUp ? "withdrawn" : "deadline";
            }

            response.Timings ??= new Timings();
            response.Timings.QueueMs = queueMs;
            QueueMetrics.CountInstances(response);
            job.Completion.TrySetResult(response);
            return "ok";
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is SegmentationException { Kind: SegmentationErrorKind.Cancelled })
        {
            job.Fail();
            return job.CallerGaveUp ? "withdrawn" : "deadline";
        }
        catch (SegmentationException ex)
        {
            job.Completion.TrySetException(ex);
            return "rejected";
        }
        catch (Exception ex)
        {
            Log.JobFailed(_logger, ex, job.Request.CorrelationId);
            job.Completion.TrySetException(ex);
            return "failed";
        }
    }

    private static SegmentationException DeadlineExceeded(SegmentRequest request, bool ran = false) => new(
        SegmentationErrorKind.DeadlineExceeded,
        ErrorReason.DeadlineExceeded,
        $"the deadline of request '{request.CorrelationId}' passed {(ran ? "while it ran" : "before it ran")}");

    public async ValueTask DisposeAsync()
    {
        // DI disposes both registrations (the class and ISegmentJobRunner) of this one instance.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var job))
        {
            job.Completion.TrySetException(new SegmentationException(
                SegmentationErrorKind.Unavailable, ErrorReason.BackendUnavailable, "the server is shutting down; retry on another instance", retryAfter: TimeSpan.FromSeconds(1)));
            job.Dispose();
            Left();
        }

        _stopping.Dispose();
    }

    /// <summary>A queued request; its token fires on the caller's cancellation or on the deadline, whichever is first.</summary>
    private sealed class Job : IDisposable
    {
        private readonly CancellationTokenSource _deadline;
        private readonly CancellationTokenSource _cts;
        private readonly CancellationToken _callerToken;
        private readonly CancellationTokenRegistration _registration;

        private readonly TimeProvider _time;
        private readonly DateTimeOffset _deadlineAt;
        private int _started;

        public Job(SegmentRequest request, TimeProvider time, TimeSpan remaining, CancellationToken callerToken)
        {
            Request = request;
            _time = time;
            _deadlineAt = time.GetUtcNow() + remaining;
            _callerToken = callerToken;
            _deadline = new CancellationTokenSource(remaining, time);
            _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token);
            Token = _cts.Token;

            // Answer the caller the moment either fires, even while the job still waits in the queue.
            _registration = Token.Register(static s => ((Job)s!).Fail(), this);
        }

        public SegmentRequest Request { get; }

        public bool CallerGaveUp => _callerToken.IsCancellationRequested;

        public bool PastDeadline => _time.GetUtcNow() >= _deadlineAt;

        public long Enqueued { get; } = Stopwatch.GetTimestamp();

        /// <summary>The caller's span when it queued the job; default when it has none.</summary>
        public ActivityContext Trace { get; } = Activity.Current?.Context ?? default;

        public CancellationToken Token { get; }

        public TaskCompletionSource<SegmentResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>From here on a deadline is reported as passing while the job ran.</summary>
        public void Start() => Volatile.Write(ref _started, 1);

        public void Fail()
        {
            if (CallerGaveUp)
            {
                Completion.TrySetException(new SegmentationException(SegmentationErrorKind.Cancelled, ErrorReason.Cancelled, $"request '{Request.CorrelationId}' was cancelled by the caller"));
            }
            else
            {
                Completion.TrySetException(DeadlineExceeded(Request, ran: Volatile.Read(ref _started) == 1));
            }
        }

        public void Dispose()
        {
            _registration.Dispose();
            _cts.Dispose();
            _deadline.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "In-process job {CorrelationId} failed unexpectedly", EventName = "JobFailed")]
        public static partial void JobFailed(ILogger logger, Exception exception, string correlationId);
    }
}
