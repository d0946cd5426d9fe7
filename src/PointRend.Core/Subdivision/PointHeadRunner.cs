// Shape shorthand: K classes, C = head.InChannels (sum of feature channels + K), P points per chunk (<= 65536),
// H x W the grid whose cells are being predicted.
// Coordinates: points are the cell centres ((j + 0.5) / W, (i + 0.5) / H); every map is sampled in normalised
// coordinates, so fine maps of any stride and the original coarse logits line up.
using System.Buffers;

namespace PointRend.Core;

/// <summary>Sample, predict, scatter for a list of cells, in bounded chunks over two pooled buffers.</summary>
internal sealed class PointHeadRunner : IDisposable
{
    private readonly FeatureMap _coarse;
    private readonly IReadOnlyList<FeatureMap> _features;
    private readonly IPointHead _head;
    private readonly int _capacity;
    private float[]? _pointFeatures;
    private float[]? _pointLogits;
    private int[] _order;
    private ChunkInput? _input;

    public PointHeadRunner(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, int largestBatch)
    {
        _coarse = coarse;
        _features = features;
        _head = head;
        _capacity = Math.Clamp(largestBatch, 1, SubdivisionRenderer.MaxPointsPerPredict);
        _pointFeatures = ArrayPool<float>.Shared.Rent(head.InChannels * _capacity);
        _pointLogits = ArrayPool<float>.Shared.Rent(head.Classes * _capacity);
        _order = ArrayPool<int>.Shared.Rent(_capacity);
    }

    /// <summary>The chunk size; callers that generate cell lists (dense mode) generate this many at a time.</summary>
    public int Capacity => _capacity;

    /// <summary>Predicts every listed cell of the gridHeight x gridWidth grid and overwrites it in logits.</summary>
    public void PredictAndScatter(ReadOnlySpan<int> cells, int gridHeight, int gridWidth, Span<float> logits)
    {
        var featureBuffer = _pointFeatures ?? throw new ObjectDisposedException(nameof(PointHeadRunner));
        var logitBuffer = _pointLogits ?? throw new ObjectDisposedException(nameof(PointHeadRunner));
        int classes = _head.Classes;
        for (int start = 0; start < cells.Length; start += _capacity)
        {
            int points = Math.Min(_capacity, cells.Length - start);

            // The head is per point, so the order inside a chunk cannot change any logit; raster order turns the
            // gathers from every feature plane and the scatter into forward sweeps instead of random access.
            var chunk = _order.AsSpan(0, points);
            cells.Slice(start, points).CopyTo(chunk);
            if (!IsAscending(chunk))
            {
                chunk.Sort();
            }

            var pointLogits = logitBuffer.AsSpan(0, classes * points);
            SampleAndPredict(chunk, gridHeight, gridWidth, featureBuffer.AsSpan(0, _head.InChannels * points), pointLogits);
            PointScatter.Scatter(pointLogits, classes, chunk, logits, gridHeight * gridWidth);
        }
    }

    private unsafe void SampleAndPredict(ReadOnlySpan<int> chunk, int gridHeight, int gridWidth, Span<float> pointFeatures, Span<float> pointLogits)
    {
        if (_head is not ParallelMlpPointHead { Threads: > 1 } parallel)
        {
            SampleInputs(chunk, gridHeight, gridWidth, pointFeatures);
            _head.Predict(pointFeatures, chunk.Length, pointLogits);
            return;
        }

        // The head's threads sample their own chunks of points: the sampling costs about half what the head does.
        int tableLength = (_features.Count + 1) * (gridWidth + gridHeight);
        float[] tables = ArrayPool<float>.Shared.Rent(tableLength);
        try
        {
            for (int m = 0; m <= _features.Count; m++)
            {
                var map = m < _features.Count ? _features[m] : _coarse;
                if (map.Data.Length < map.Channels * map.Height * map.Width)
                {
                    throw new ArgumentException($"Map data holds {map.Data.Length} floats; {map.Channels}x{map.Height}x{map.Width} needs {map.Channels * map.Height * map.Width}.");
                }

                PointSampling.CenterTable(gridHeight, gridWidth, map.Height, map.Width, tables.AsSpan(m * (gridWidth + gridHeight), gridWidth + gridHeight));
            }

            fixed (int* cells = chunk)
            fixed (float* features = pointFeatures)
            fixed (float* table = tables)
            {
                var input = _input ??= new ChunkInput(this);
                input.Set(cells, chunk.Length, gridHeight, gridWidth, features, table);
                parallel.Predict(input, pointFeatures, chunk.Length, pointLogits);
                input.Set(null, 0, 0, 0, null, null);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tables);
        }
    }

    /// <summary>The head's input for each cell of <paramref name="chunk"/>: every fine map's channels, then the coarse
    /// logits last, as point_head.onnx expects (docs/model-contract.md).</summary>
    private void SampleInputs(ReadOnlySpan<int> chunk, int gridHeight, int gridWidth, Span<float> pointFeatures)
    {
        int offset = 0;
        foreach (var map in _features)
        {
            PointSampling.SampleAtCellCenters(map, chunk, gridHeight, gridWidth, pointFeatures, offset);
            offset += map.Channels;
        }

        PointSampling.SampleAtCellCenters(_coarse, chunk, gridHeight, gridWidth, pointFeatures, offset);
    }

    /// <summary>
    /// Predicts the listed cells (ascending raster indices) and writes point p's K logits to
    /// pointLogits[p * K .. p * K + K) (cell-major, as the sparse renderer stores them) instead of into a grid.
    /// </summary>
    public void PredictCellMajor(ReadOnlySpan<int> cells, int gridHeight, int gridWidth, Span<float> pointLogits)
    {
        var featureBuffer = _pointFeatures ?? throw new ObjectDisposedException(nameof(PointHeadRunner));
        var logitBuffer = _pointLogits ?? throw new ObjectDisposedException(nameof(PointHeadRunner));
        int classes = _head.Classes;
        for (int start = 0; start < cells.Length; start += _capacity)
        {
            int points = Math.Min(_capacity, cells.Length - start);
            var chunk = cells.Slice(start, points);
            var channelMajor = logitBuffer.AsSpan(0, classes * points);
            SampleAndPredict(chunk, gridHeight, gridWidth, featureBuffer.AsSpan(0, _head.InChannels * points), channelMajor);
            var destination = pointLogits.Slice(start * classes, points * classes);
            for (int k = 0; k < classes; k++)
            {
                var row = channelMajor.Slice(k * points, points);
                for (int p = 0; p < points; p++)
                {
                    destination[(p * classes) + k] = row[p];
                }
            }
        }
    }

    /// <summary>One call's sampling, as <see cref="SampleInputs"/> does it, for the columns of one chunk of points;
    /// the pointers are pinned by <see cref="SampleAndPredict"/> for the duration of the call.</summary>
    private sealed unsafe class ChunkInput(PointHeadRunner runner) : IChunkInput
    {
        private int* _cells;
        private int _points;
        private int _gridHeight;
        private int _gridWidth;
        private float* _features;
        private float* _tables;

        public void Set(int* cells, int points, int gridHeight, int gridWidth, float* features, float* tables)
        {
            _cells = cells;
            _points = points;
            _gridHeight = gridHeight;
            _gridWidth = gridWidth;
            _features = features;
            _tables = tables;
        }

        public void Write(int start, int count)
        {
            var cells = new ReadOnlySpan<int>(_cells + start, count);
            var columns = new Span<float>(_features + start, (runner._head.InChannels * _points) - start);
            int tableLength = _gridWidth + _gridHeight;
            int offset = 0;
            for (int m = 0; m <= runner._features.Count; m++)
            {
                var map = m < runner._features.Count ? runner._features[m] : runner._coarse;
                var table = new ReadOnlySpan<float>(_tables + (m * tableLength), tableLength);
                PointSampling.SampleColumns(map, table, cells, _gridHeight, _gridWidth, columns, offset, _points);
                offset += map.Channels;
            }
        }
    }

    private static bool IsAscending(ReadOnlySpan<int> cells)
    {
        for (int i = 1; i < cells.Length; i++)
        {
            if (cells[i] < cells[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        if (_pointFeatures is not null)
        {
            ArrayPool<float>.Shared.Return(_pointFeatures);
            _pointFeatures = null;
        }

        if (_pointLogits is not null)
        {
            ArrayPool<float>.Shared.Return(_pointLogits);
            _pointLogits = null;
        }

        if (_order.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_order);
            _order = [];
        }
    }
}
