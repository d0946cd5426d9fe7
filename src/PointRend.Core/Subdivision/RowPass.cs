// Shape shorthand: R rows (grid rows, or points), claimed in chunks of C rows.
// Coordinates: rows are indices 0..R-1 of whatever the pass writes; nothing here looks at their contents.
namespace PointRend.Core;

/// <summary>A pass over rows 0..R-1; called from several threads at once for disjoint row ranges.</summary>
internal interface IRowWork
{
    void Rows(int start, int end);
}

/// <summary>
/// Work shared among a few threads in chunks of rows: the sparse steps' grid-wide passes and
/// <see cref="ParallelMlpPointHead"/>'s points. The caller works too and claims chunks from the same counter as its
/// helpers, so a helper that starts late (no idle core: concurrent requests) finds nothing left and costs only the
/// queueing; the caller waits only for a chunk a helper has already claimed. Callers keep each row's output
/// independent of which thread takes it, so results are the same bit for bit. The shared state comes from a small
/// pool and goes back when the last thread that saw it leaves: nothing is allocated per pass once warm.
/// </summary>
internal sealed class RowPass : IThreadPoolWorkItem
{
    /// <summary>Below this many grid rows a pass is too short (tens of microseconds) to be worth a helper.</summary>
    private const int MinGridRows = 128;

    /// <summary>One per pass in flight; more concurrent passes than this (pool workers) only allocate one each.</summary>
    private static readonly RowPass?[] Spare = new RowPass?[Math.Max(4, Environment.ProcessorCount)];

    private IRowWork? _work;
    private int _rows;
    private int _chunkRows;
    private int _chunks;
    private int _next;
    private int _done;
    private int _references;
    private Exception? _error;

    /// <summary>A grid-wide pass over <paramref name="rows"/> rows on up to <paramref name="threads"/> threads.</summary>
    public static void Run(IRowWork work, int rows, int threads)
    {
        if (threads <= 1 || rows < MinGridRows)
        {
            work.Rows(0, rows);
            return;
        }

        // Small claims (8 rows of the 4x grids: 15k cells, some 20 us): the caller waits at the end for a helper's
        // claim in progress, and on a busy (or virtual) machine the helper can be descheduled in the middle of it.
        Run(work, rows, Math.Max(8, rows / (64 * threads)), threads);
    }

    /// <summary>Rows 0..rows-1 in claims of <paramref name="chunkRows"/> on up to <paramref name="threads"/> threads;
    /// returns when every row is done, rethrowing the first failure.</summary>
    public static void Run(IRowWork work, int rows, int chunkRows, int threads)
    {
        int chunks = rows <= 0 ? 0 : (rows + chunkRows - 1) / chunkRows;
        if (threads <= 1 || chunks < 2)
        {
            work.Rows(0, Math.Max(rows, 0));
            return;
        }

        int helpers = Math.Min(threads - 1, chunks - 1);
        var pass = Rent();
        pass.Start(work, rows, chunkRows, chunks, references: helpers + 1);
        for (int i = 0; i < helpers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(pass, preferLocal: false);
        }

        pass.Work();
        var spin = default(SpinWait);
        while (Volatile.Read(ref pass._done) < chunks)
        {
            // Only a helper's chunk in progress is left; yield rather than sleep, that helper may need this core.
            spin.SpinOnce(sleep1Threshold: -1);
        }

        var error = pass._error;
        Leave(pass);
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private static RowPass Rent()
    {
        for (int i = 0; i < Spare.Length; i++)
        {
            if (Volatile.Read(ref Spare[i]) is not null && Interlocked.Exchange(ref Spare[i], null) is { } pass)
            {
                return pass;
            }
        }

        return new RowPass();
    }

    /// <summary>The last thread out hands the pass back, without its work, so a pooled pass keeps no caller alive.</summary>
    private static void Leave(RowPass pass)
    {
        if (Interlocked.Decrement(ref pass._references) != 0)
        {
            return;
        }

        pass._work = null;
        for (int i = 0; i < Spare.Length; i++)
        {
            if (Interlocked.CompareExchange(ref Spare[i], pass, null) is null)
            {
                return;
            }
        }
    }

    private void Start(IRowWork work, int rows, int chunkRows, int chunks, int references)
    {
        _work = work;
        _rows = rows;
        _chunkRows = chunkRows;
        _chunks = chunks;
        _next = 0;
        _done = 0;
        _error = null;
        _references = references;
    }

    private void Work()
    {
        int chunk;
        while ((chunk = Interlocked.Increment(ref _next) - 1) < _chunks)
        {
            int start = chunk * _chunkRows;
            try
            {
                _work!.Rows(start, Math.Min(_rows, start + _chunkRows));
            }
            catch (Exception e)
            {
                // A helper must not take the process down; the caller rethrows the first failure.
                Interlocked.CompareExchange(ref _error, e, null);
            }

            Interlocked.Increment(ref _done);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        Work();
        Leave(this);
    }
}
