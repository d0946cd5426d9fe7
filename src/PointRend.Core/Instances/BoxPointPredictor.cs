// Shape shorthand: R detections, C = head.InChannels, P points per detection in one call, m x m grid per detection.
// Coordinates: cells are raster indices into each detection's own m x m grid over its box (model-input pixels).
using System.Buffers;

namespace PointRend.Core.Instances;

/// <summary>Sample, predict, scatter for runs of detections, over pooled buffers sized once per image.</summary>
internal sealed class BoxPointPredictor : IDisposable
{
    private readonly IReadOnlyList<StridedMap> _fine;
    private readonly ReadOnlyMemory<DetectionBox> _boxes;
    private readonly ReadOnlyMemory<float> _coarse;
    private readonly int _coarseResolution;
    private readonly IBoxPointHead _head;
    private readonly ParallelOptions _parallel;
    private float[] _features;
    private float[] _logits;
    private int[] _sorted;

    public BoxPointPredictor(
        IReadOnlyList<StridedMap> fine, ReadOnlyMemory<DetectionBox> boxes, ReadOnlyMemory<float> coarse, int coarseResolution, IBoxPointHead head, int capacity)
    {
        _fine = fine;
        _boxes = boxes;
        _coarse = coarse;
        _coarseResolution = coarseResolution;
        _head = head;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, head.Threads) };
        _features = ArrayPool<float>.Shared.Rent(head.InChannels * capacity);
        _logits = ArrayPool<float>.Shared.Rent(capacity);
        _sorted = ArrayPool<int>.Shared.Rent(capacity);
    }

    /// <summary>Points predicted so far.</summary>
    public long Predicted { get; private set; }

    /// <summary>The head's threads: how many detections' host work may run at once.</summary>
    public ParallelOptions HostParallel => _parallel;

    /// <summary>
    /// One point-head call for detections [first, first + count), P cells each (cells[r * P + p] for the r-th of
    /// them), then their logits overwrite those cells in grids (all R detections, m x m each).
    /// </summary>
    /// <param name="counts">Empty, or per detection of the run how many of its P cells are its own (0: skip its scatter;
    /// the rest repeat one of its cells); <see cref="Predicted"/> then counts only those.</param>
    public void PredictAndScatter(int first, int count, ReadOnlySpan<int> cells, int points, int resolution, Span<float> grids, ReadOnlySpan<int> counts = default)
    {
        int total = count * points;
        int channels = _head.InChannels;

        var sorted = _sorted.AsSpan(0, total);
        cells[..total].CopyTo(sorted);
        if (count > 1 && _parallel.MaxDegreeOfParallelism > 1)
        {
            Parallel.For(0, count, _parallel, r => SampleDetection(first, r, points, resolution));
        }
        else
        {
            for (int r = 0; r < count; r++)
            {
                SampleDetection(first, r, points, resolution);
            }
        }

        var features = _features.AsSpan(0, channels * total);
        var logits = _logits.AsSpan(0, total);
        if (counts.IsEmpty)
        {
            _head.Predict(features, count, points, logits);
            Predicted += total;
        }
        else
        {
            _head.Predict(features, count, points, counts, logits);
            foreach (int n in counts)
            {
                Predicted += n;
            }
        }

        int cellsPerGrid = resolution * resolution;
        for (int r = 0; r < count; r++)
        {
            if (!counts.IsEmpty && counts[r] == 0)
            {
                continue;
            }

            var grid = grids.Slice((first + r) * cellsPerGrid, cellsPerGrid);
            var own = sorted.Slice(r * points, points);
            var values = logits.Slice(r * points, points);

            // Ragged: the first counts[r] sorted cells are the detection's own (its padding repeats its last,
            // largest cell, so it sorts behind them) and only their logits were computed.
            int owned = counts.IsEmpty ? points : counts[r];
            for (int p = 0; p < owned; p++)
            {
                grid[own[p]] = values[p];
            }
        }
    }

    /// <summary>
    /// Detection first + r of a call: its cells sorted, then all its point-head inputs. A detection's floats do not
    /// depend on the others, so detections can run on different threads.
    /// </summary>
    private void SampleDetection(int first, int r, int points, int resolution)
    {
        // The head is per point, so order within a detection cannot change a logit; raster order turns the
        // gathers from every feature map and the scatter into forward sweeps.
        var sorted = _sorted.AsSpan(r * points, points);
        sorted.Sort();
        int channels = _head.InChannels;
        var features = _features.AsSpan(r * channels * points, channels * points);
        var box = _boxes.Span.Slice(first + r, 1);
        int offset = 0;
        foreach (var map in _fine)
        {
            BoxPointSampling.SampleFine(map, box, sorted, points, resolution, resolution, features, channels, offset);
            offset += map.Map.Channels;
        }

        // The coarse logit goes last and always comes from the detector's 7x7, at every step (as detectron2).
        int plane = _coarseResolution * _coarseResolution;
        BoxPointSampling.SampleBoxMaps(_coarse.Span.Slice((first + r) * plane, plane), _coarseResolution, 1, sorted, points, resolution, resolution, features, channels, offset);
    }

    public void Dispose()
    {
        if (_features.Length > 0)
        {
            ArrayPool<float>.Shared.Return(_features);
            ArrayPool<float>.Shared.Return(_logits);
            ArrayPool<int>.Shared.Return(_sorted);
            _features = [];
            _logits = [];
            _sorted = [];
        }
    }
}
