// Shape shorthand: K classes, C = InChannels, P points per call, S = ChunkPoints; buffers are channel-major
// ([c * P + p]) as IPointHead requires, and a chunk is the columns s..s+S of every row.
// Coordinates: none; the head only sees features already sampled at the points.
namespace PointRend.Core;

/// <summary>
/// <see cref="MlpPointHead"/> for the semantic renderer with a call's points shared among up to
/// <see cref="Threads"/> threads in chunks of <see cref="ChunkPoints"/>. Every point's logits are computed alone
/// (the kernel has no cross-point sums), so the result is the same bit for bit whichever thread takes a chunk.
/// </summary>
/// <remarks>
/// The caller works too and claims chunks from the same counter as its helpers: a helper that starts late (no idle
/// core, a busy thread pool) finds nothing left and returns, so it never costs more than the queueing; the caller
/// waits only for chunks a helper has already claimed. Per call nothing is allocated once warm: the shared state
/// comes from a small pool and goes back when the last thread that saw it leaves.
/// </remarks>
public sealed unsafe class ParallelMlpPointHead : IPointHead
{
    /// <summary>
    /// Points per claim: 8 blocks of 32 (AVX-512; 16 with AVX2), about 0.1 ms for the shipped head, so a step of
    /// 2-4k points gives both threads a dozen claims to balance with and a preempted helper holds up little.
    /// </summary>
    public const int ChunkPoints = 256;

    private readonly Job?[] _spare;

    /// <param name="threads">Most threads one call uses (1 = the caller's only). The engine passes ONNX Runtime's
    /// intra-op thread count, so the refinement uses the cores the coarse network just used.</param>
    public ParallelMlpPointHead(MlpPointHead head, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        Head = head;
        Threads = threads;
        // One job per call in flight; more concurrent calls than this (pool workers) only allocate a job each.
        _spare = new Job?[Math.Max(4, Environment.ProcessorCount)];
    }

    public MlpPointHead Head { get; }

    /// <summary>Most threads one <see cref="Predict"/> uses.</summary>
    public int Threads { get; }

    public int InChannels => Head.InChannels;

    public int Classes => Head.Classes;

    public void Predict(ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits) =>
        Predict(null, pointFeatures, points, pointLogits);

    /// <summary>
    /// <see cref="Predict(ReadOnlySpan{float}, int, Span{float})"/> with each chunk's features written by
    /// <paramref name="input"/> just before the chunk is predicted, on the same thread: the sampling is shared among
    /// the threads too, and a chunk's features are still in cache when the head reads them.
    /// </summary>
    internal void Predict(IChunkInput? input, ReadOnlySpan<float> pointFeatures, int points, Span<float> pointLogits)
    {
        int chunks = points <= 0 ? 0 : (points + ChunkPoints - 1) / ChunkPoints;
        if (Threads == 1 || chunks < 2)
        {
            input?.Write(0, points);
            Head.Predict(pointFeatures, points, pointLogits);
            return;
        }

        Head.CheckBuffers(pointFeatures, points, pointLogits);
        // Spans cannot reach another thread; the buffers stay pinned until every claimed chunk is done.
        fixed (float* features = pointFeatures)
        fixed (float* logits = pointLogits)
        {
            int helpers = Math.Min(Threads - 1, chunks - 1);
            var job = Rent();
            job.Start(Head, input, features, logits, points, chunks, references: helpers + 1);
            for (int i = 0; i < helpers; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
            }

            job.Work();
            var error = job.WaitForClaimedChunks();
            Release(job);
            if (error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }
    }

    private Job Rent()
    {
        for (int i = 0; i < _spare.Length; i++)
        {
            if (Volatile.Read(ref _spare[i]) is not null && Interlocked.Exchange(ref _spare[i], null) is { } job)
            {
                return job;
            }
        }

        return new Job(this);
    }

    private void Release(Job job)
    {
        if (!job.Leave())
        {
            return;
        }

        for (int i = 0; i < _spare.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _spare[i], job, null) is null)
            {
                return;
            }
        }
    }

    /// <summary>One call's shared state; it is reused only after the caller and every queued helper have left.</summary>
    private sealed class Job(ParallelMlpPointHead owner) : IThreadPoolWorkItem
    {
        private MlpPointHead? _head;
        private IChunkInput? _input;
        private float* _features;
        private float* _logits;
        private int _points;
        private int _chunks;
        private int _next;
        private int _done;
        private int _references;
        private Exception? _error;

        public void Start(MlpPointHead head, IChunkInput? input, float* features, float* logits, int points, int chunks, int references)
        {
            _head = head;
            _input = input;
            _features = features;
            _logits = logits;
            _points = points;
            _chunks = chunks;
            _next = 0;
            _done = 0;
            _error = null;
            _references = references;
        }

        /// <summary>Claims and computes chunks until none is left.</summary>
        public void Work()
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref _next) - 1) < _chunks)
            {
                int start = chunk * ChunkPoints;
                int count = Math.Min(ChunkPoints, _points - start);
                try
                {
                    _input?.Write(start, count);
                    _head!.PredictRange(
                        new ReadOnlySpan<float>(_features, _head.InChannels * _points), start, count, _points,
                        new Span<float>(_logits, _head.Classes * _points));
                }
                catch (Exception e)
                {
                    // A helper must not take the process down; the caller rethrows the first failure.
                    Interlocked.CompareExchange(ref _error, e, null);
                }

                Interlocked.Increment(ref _done);
            }
        }

        /// <summary>Every chunk was claimed when the caller's <see cref="Work"/> returned, so this waits only for a
        /// helper's chunk in progress; yielding rather than sleeping, since that helper may be waiting for this core.</summary>
        public Exception? WaitForClaimedChunks()
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref _done) < _chunks)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            return _error;
        }

        /// <summary>True for the last thread out, which may hand the job back to the pool (without the caller's
        /// input, so a pooled job keeps no renderer alive).</summary>
        public bool Leave()
        {
            if (Interlocked.Decrement(ref _references) != 0)
            {
                return false;
            }

            _input = null;
            return true;
        }

        void IThreadPoolWorkItem.Execute()
        {
            Work();
            owner.Release(this);
        }
    }
}

/// <summary>Writes the head's input for points start..start+count of a call (their columns of every channel row);
/// called from several threads at once for disjoint ranges.</summary>
internal interface IChunkInput
{
    void Write(int start, int count);
}
