namespace PointRend.Queueing.Redis;

/// <summary>The Redis job queue, read by gateway and worker alike; section <c>Queue</c>.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queue";

    /// <summary>Jobs waiting or running (the job stream's length); one more is refused with RESOURCE_EXHAUSTED at once. Default 64.</summary>
    /// <remarks>Finished jobs are deleted from the stream, so its length is exactly the backlog and checking it is O(1).</remarks>
    public int MaxLength { get; set; } = 64;

    /// <summary>How long a delivered job may go without a heartbeat before another worker reclaims it (XAUTOCLAIM). Default 30 s.</summary>
    /// <remarks>A working consumer renews its claim every third of this, so only dead or frozen workers lose jobs;
    /// a smaller value recovers faster from a kill -9 but costs more heartbeats.</remarks>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries before a job is given up and moved to the dead-letter stream. Default 3.</summary>
    public int MaxDeliveries { get; set; } = 3;

    /// <summary>How often an idle worker looks at the stream without a doorbell; covers doorbells lost while disconnected. Default 2 s.</summary>
    public TimeSpan SafetyPoll { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Lifetime of a stored result the gateway has not yet read (it deletes it on read). Default 60 s.</summary>
    public TimeSpan ResultTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Entries kept in the dead-letter stream (approximate trim). Default 10 000.</summary>
    public int DeadLetterMaxLength { get; set; } = 10_000;

    /// <summary>Jobs one worker process runs at once; 0 = <see cref="Environment.ProcessorCount"/>. Default 0.</summary>
    /// <remarks>Like the embedded pool: the point refinement between ONNX runs is largely serial, so two jobs on two
    /// cores gave 1.5x the throughput of one (docs/benchmarks.md).</remarks>
    public int WorkerConcurrency { get; set; }

    public int EffectiveWorkerConcurrency => WorkerConcurrency > 0 ? WorkerConcurrency : Environment.ProcessorCount;

    /// <summary>Consumer group the workers read through. Default <c>workers</c>.</summary>
    public string ConsumerGroup { get; set; } = "workers";

    public TimeSpan Heartbeat => ClaimIdle / 3;

    /// <summary>
    /// A worker counts as alive while its last presence beat (every fifth of this) is younger than this; with none
    /// alive the gateway reports NOT_SERVING and answers UNAVAILABLE (NO_WORKERS) at once. Default 5 s.
    /// </summary>
    public TimeSpan WorkerLiveness { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan PresenceBeat => WorkerLiveness / 5;

    public IEnumerable<string> Validate()
    {
        if (MaxLength < 1)
        {
            yield return $"{SectionName}:{nameof(MaxLength)} is {MaxLength}; it must be at least 1";
        }

        if (ClaimIdle < TimeSpan.FromMilliseconds(300))
        {
            yield return $"{SectionName}:{nameof(ClaimIdle)} is {ClaimIdle}; it must be at least 00:00:00.3 so heartbeats can keep up";
        }

        if (WorkerLiveness < TimeSpan.FromMilliseconds(500))
        {
            yield return $"{SectionName}:{nameof(WorkerLiveness)} is {WorkerLiveness}; it must be at least 00:00:00.5";
        }

        if (MaxDeliveries < 1)
        {
            yield return $"{SectionName}:{nameof(MaxDeliveries)} is {MaxDeliveries}; it must be at least 1";
        }

        if (SafetyPoll <= TimeSpan.Zero || ResultTtl <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:{nameof(SafetyPoll)} and {nameof(ResultTtl)} must be positive";
        }

        if (DeadLetterMaxLength < 1)
        {
            yield return $"{SectionName}:{nameof(DeadLetterMaxLength)} is {DeadLetterMaxLength}; it must be at least 1";
        }

        if (WorkerConcurrency < 0)
        {
            yield return $"{SectionName}:{nameof(WorkerConcurrency)} is {WorkerConcurrency}; it must be 0 (processor count) or more";
        }

        if (string.IsNullOrWhiteSpace(ConsumerGroup))
        {
            yield return $"{SectionName}:{nameof(ConsumerGroup)} must not be empty";
        }
    }
}
