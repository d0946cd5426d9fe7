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
/// The chunks are a <see cref="RowPass"/>'s rows: the caller works too, a helper that starts late finds nothing left,
/// and per call nothing is allocated once warm (the call's buffers and the pass's state both come from small pools).
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
            var job = Rent();
            job.Start(input, features, logits, points);
            try
            {
                RowPass.Run(job, points, ChunkPoints, Threads);
            }
            finally
            {
                // RowPass returns once every chunk is done and none is left to claim: no thread calls the job again.
                job.Start(null, null, null, 0);
                Release(job);
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

        return new Job(Head);
    }

    private void Release(Job job)
    {
        for (int i = 0; i < _spare.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _spare[i], job, null) is null)
            {
                return;
            }
        }
    }

    /// <summary>One call's buffers, the rows of a <see cref="RowPass"/> being its points.</summary>
    private sealed class Job(MlpPointHead head) : IRowWork
    {
        private IChunkInput? _input;
        private float* _features;
        private float* _logits;
        private int _points;

        public void Start(IChunkInput? input, float* features, float* logits, int points)
        {
            _input = input;
            _features = features;
            _logits = logits;
            _points = points;
        }

        public void Rows(int start, int end)
        {
            _input?.Write(start, end - start);
            head.PredictRange(
                new ReadOnlySpan<float>(_features, head.InChannels * _points), start, end - start, _points,
                new Span<float>(_logits, head.Classes * _points));
        }
    }
}

/// <summary>Writes the head's input for points start..start+count of a call (their columns of every channel row);
/// called from several threads at once for disjoint ranges.</summary>
internal interface IChunkInput
{
    void Write(int start, int count);
}
