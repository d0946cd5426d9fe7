// Shape shorthand: R rows of one grid, claimed in chunks of C rows.
// Coordinates: rows are indices 0..R-1 of whatever grid the pass writes; nothing here looks at their contents.
namespace PointRend.Core;

/// <summary>A pass over the rows of a grid; called from several threads at once for disjoint row ranges.</summary>
internal interface IRowWork
{
    void Rows(int start, int end);
}

/// <summary>
/// A grid-wide pass of the sparse subdivision shared among the point head's threads, as
/// <see cref="ParallelMlpPointHead"/> shares a step's points: the caller works too and claims chunks of rows from
/// the same counter as its helper, so a helper that starts late (no idle core: concurrent requests) finds nothing
/// left and costs only the queueing. Each row's output depends on nothing another row writes, so the result is the
/// same bit for bit whichever thread takes a chunk.
/// </summary>
internal sealed class RowPass : IThreadPoolWorkItem
{
    /// <summary>Below this many rows a pass is too short (tens of microseconds) to be worth a helper.</summary>
    private const int MinRows = 128;

    private readonly IRowWork _work;
    private readonly int _rows;
    private readonly int _chunkRows;
    private readonly int _chunks;
    private int _next;
    private int _done;
    private Exception? _error;

    private RowPass(IRowWork work, int rows, int chunkRows)
    {
        _work = work;
        _rows = rows;
        _chunkRows = chunkRows;
        _chunks = (rows + chunkRows - 1) / chunkRows;
    }

    /// <summary>Runs work over rows 0..rows-1 on up to <paramref name="threads"/> threads; returns when all are done.</summary>
    public static void Run(IRowWork work, int rows, int threads)
    {
        if (threads <= 1 || rows < MinRows)
        {
            work.Rows(0, rows);
            return;
        }

        // Small claims (8 rows of the 4x grids: 15k cells, some 20 us): the caller waits at the end for a helper's
        // claim in progress, and on a busy (or virtual) machine the helper can be descheduled in the middle of it.
        var pass = new RowPass(work, rows, Math.Max(8, rows / (64 * threads)));
        for (int i = 1; i < threads; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(pass, preferLocal: false);
        }

        pass.Work();
        var spin = default(SpinWait);
        while (Volatile.Read(ref pass._done) < pass._chunks)
        {
            // Only a helper's chunk in progress is left; yield rather than sleep, that helper may need this core.
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (pass._error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private void Work()
    {
        int chunk;
        while ((chunk = Interlocked.Increment(ref _next) - 1) < _chunks)
        {
            int start = chunk * _chunkRows;
            try
            {
                _work.Rows(start, Math.Min(_rows, start + _chunkRows));
            }
            catch (Exception e)
            {
                // A helper must not take the process down; the caller rethrows the first failure.
                Interlocked.CompareExchange(ref _error, e, null);
            }

            Interlocked.Increment(ref _done);
        }
    }

    void IThreadPoolWorkItem.Execute() => Work();
}
