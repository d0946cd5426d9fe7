using System.Collections.Concurrent;

namespace PointRend.Core.Tests;

/// <summary>The chunk claims shared by the sparse passes and the parallel MLP head.</summary>
public class RowPassTests
{
    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(7, 3, 2)]
    [InlineData(1000, 8, 2)]
    [InlineData(1000, 256, 4)]
    [InlineData(1001, 1, 3)]
    public void EveryRowRunsExactlyOnce_InChunksOfTheGivenSize(int rows, int chunkRows, int threads)
    {
        for (int round = 0; round < 20; round++)
        {
            var work = new Counting(rows);

            RowPass.Run(work, rows, chunkRows, threads);

            Assert.All(work.Hits, hits => Assert.Equal(1, hits));
            Assert.All(work.Ranges, r => Assert.True(r.End - r.Start <= chunkRows || rows <= chunkRows || threads == 1, $"{r}"));
        }
    }

    [Fact]
    public void Run_ReturnsOnlyAfterEveryClaimedChunkIsDone()
    {
        // The caller's first chunk waits for the helper to start one (a test host's thread pool can take a while to
        // give it a thread); then chunks of a millisecond on both, so the caller runs out of chunks while the helper
        // is in the middle of one.
        for (int round = 0; round < 5; round++)
        {
            var work = new Counting(64, chunkDelay: TimeSpan.FromMilliseconds(1), waitForHelper: true);

            RowPass.Run(work, 64, 1, 2);

            Assert.Equal(2, work.ThreadCount);
            Assert.All(work.Hits, hits => Assert.Equal(1, hits));
        }
    }

    [Fact]
    public void AFailingChunk_IsRethrownToTheCaller_AfterEveryOtherChunkRan()
    {
        for (int round = 0; round < 20; round++)
        {
            var work = new Counting(640, failAt: 300);

            var ex = Assert.Throws<InvalidOperationException>(() => RowPass.Run(work, 640, 16, 2));

            Assert.Contains("row 300", ex.Message, StringComparison.Ordinal);
            // Only the failing chunk's rows from the failure on (300..303 of 288..303) are missing: every other chunk
            // finished before the throw.
            Assert.Equal(640 - 4, work.Hits.Sum());
            var next = new Counting(640);
            RowPass.Run(next, 640, 16, 2); // the pass went back to the pool clean
            Assert.All(next.Hits, hits => Assert.Equal(1, hits));
        }
    }

    private sealed class Counting(int rows, int failAt = -1, TimeSpan chunkDelay = default, bool waitForHelper = false) : IRowWork
    {
        private readonly ConcurrentBag<(int Start, int End)> _ranges = [];
        private readonly ConcurrentDictionary<int, int> _threads = [];
        private readonly ManualResetEventSlim _helperStarted = new();
        private int _caller;

        public int[] Hits { get; } = new int[rows];

        public int ThreadCount => _threads.Count;

        public IEnumerable<(int Start, int End)> Ranges => _ranges;

        public void Rows(int start, int end)
        {
            _ranges.Add((start, end));
            int me = Environment.CurrentManagedThreadId;
            _threads[me] = 0;
            if (Interlocked.CompareExchange(ref _caller, me, 0) is var first && first != 0 && first != me)
            {
                _helperStarted.Set();
            }
            else if (waitForHelper)
            {
                Assert.True(_helperStarted.Wait(TimeSpan.FromSeconds(30)), "no helper thread joined within 30 s");
            }

            if (chunkDelay > TimeSpan.Zero)
            {
                Thread.Sleep(chunkDelay);
            }

            for (int y = start; y < end; y++)
            {
                if (y == failAt)
                {
                    throw new InvalidOperationException($"row {y}");
                }

                Interlocked.Increment(ref Hits[y]);
            }
        }
    }
}
