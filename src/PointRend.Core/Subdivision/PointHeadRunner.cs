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

            var pointFeatures = featureBuffer.AsSpan(0, _head.InChannels * points);
            SampleInputs(chunk, gridHeight, gridWidth, pointFeatures);
            var pointLogits = logitBuffer.AsSpan(0, classes * points);
            _head.Predict(pointFeatures, points, pointLogits);
            PointScatter.Scatter(pointLogits, classes, chunk, logits, gridHeight * gridWidth);
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
            var pointFeatures = featureBuffer.AsSpan(0, _head.InChannels * points);
            SampleInputs(chunk, gridHeight, gridWidth, pointFeatures);
            var channelMajor = logitBuffer.AsSpan(0, classes * points);
            _head.Predict(pointFeatures, points, channelMajor);
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
