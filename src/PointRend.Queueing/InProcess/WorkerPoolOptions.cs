namespace PointRend.Queueing.InProcess;

/// <summary>The embedded worker pool; section <c>WorkerPool</c>. Used when <c>Redis:Configuration</c> is empty.</summary>
public sealed class WorkerPoolOptions
{
    public const string SectionName = "WorkerPool";

    /// <summary>Worker tasks, each running one request at a time; 0 = <see cref="Environment.ProcessorCount"/>. Default 0.</summary>
    public int Workers { get; set; }

    /// <summary>Requests waiting for a worker; one more is refused with RESOURCE_EXHAUSTED at once. Default 64.</summary>
    /// <remarks>Refusing beats queueing without bound: a client told "busy" can back off or go elsewhere,
    /// while a long queue only turns into deadline misses after the memory is spent.</remarks>
    public int QueueCapacity { get; set; } = 64;

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    public IEnumerable<string> Validate()
    {
        if (Workers < 0)
        {
            yield return $"{SectionName}:{nameof(Workers)} is {Workers}; it must be 0 (processor count) or more";
        }

        if (QueueCapacity < 1)
        {
            yield return $"{SectionName}:{nameof(QueueCapacity)} is {QueueCapacity}; it must be at least 1";
        }
    }
}
