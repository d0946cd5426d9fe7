// Shape shorthand: R detections, C channels, P points per detection; the fake head is linear over the R x C x P buffer.
// Coordinates: boxes in model-input pixels; maps cover the whole input (stride s: input / s pixels).
using PointRend.Core.Instances;

namespace PointRend.Core.Tests.Instances;

public sealed class MaskRefinerTests
{
    private const int InputSide = 64;

    [Fact]
    public void Refine_PointRend_OnePointHeadCallPerStepForAllDetections()
    {
        var (fine, boxes, coarse) = Scene(detections: 5);
        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);

        using var masks = MaskRefiner.Refine(fine, boxes, coarse, 7, head, MaskRefineOptions.Default);

        Assert.Equal(224, masks.Resolution);
        Assert.Equal(1 + 3, head.Calls);
        Assert.All(head.Batches, b => Assert.Equal(5, b.Detections));
        Assert.Equal(5L * (784 + (3 * 784)), masks.PointsPredicted);
    }

    [Fact]
    public void Refine_DetectionsTogether_EqualEachRefinedAlone()
    {
        // Batching is a speed-up only: no detection's mask may depend on which others share its point-head call.
        var (fine, boxes, coarse) = Scene(detections: 3);
        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);
        var options = MaskRefineOptions.Default with { RecordPoints = true };

        using var together = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options);

        for (var r = 0; r < 3; r++)
        {
            using var alone = MaskRefiner.Refine(fine, boxes[r..(r + 1)], coarse.AsMemory(r * 49, 49), 7, head, options);
            Assert.True(alone.Logits.SequenceEqual(together.Of(r)), $"detection {r} differs when refined alone");
            Assert.Equal(alone.SelectedCellsPerStep[2], together.SelectedCellsPerStep[2].AsSpan(r * 784, 784).ToArray());
        }
    }

    [Theory]
    [InlineData(5, 784, 3)]
    [InlineData(2, 100, 4)]
    [InlineData(3, 5000, 2)]
    public void Refine_FastHostPath_EqualsTheFullGridPath(int detections, int points, int steps)
    {
        // The selection read from the logits' bits must re-predict the same cells as the uncertainty copy + sort it
        // replaced, so every logit and every recorded cell (in selection order) is identical. Coarse logits rounded
        // to quarters give exact ties in |logit| after upsampling, both signs, and exact zeros.
        var (fine, boxes, coarse) = Scene(detections);
        for (var i = 0; i < coarse.Length; i++)
        {
            coarse[i] = MathF.Round(coarse[i] * 4) / 4;
        }

        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);
        var options = new MaskRefineOptions(MaskMode.PointRend, points, steps) { RecordPoints = true };

        using var fast = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options, fullGridReference: false);
        using var reference = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options, fullGridReference: true);

        Assert.True(fast.Logits.SequenceEqual(reference.Logits));
        Assert.Equal(reference.SelectedCellsPerStep.Count, fast.SelectedCellsPerStep.Count);
        for (var s = 0; s < reference.SelectedCellsPerStep.Count; s++)
        {
            Assert.Equal(reference.SelectedCellsPerStep[s], fast.SelectedCellsPerStep[s]);
        }
    }

    [Theory]
    [InlineData(MaskMode.PointRend, null)]
    [InlineData(MaskMode.PointRend, 0.5f)]
    [InlineData(MaskMode.Grid, null)]
    public void Refine_HeadWithTwoThreads_EqualsOneThreadBitForBit(MaskMode mode, float? bound)
    {
        // A two-thread head also shares the detections' upsampling, selection and sampling: every logit, every
        // selected cell and the head's batches (still one call per step for all detections) must not change.
        var (fine, boxes, coarse) = Scene(7);
        var options = new MaskRefineOptions(mode, 784, mode == MaskMode.PointRend ? 3 : 0) { RecordPoints = true, RefineBound = bound };
        var one = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);
        var two = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1, threads: 2);

        using var want = MaskRefiner.Refine(fine, boxes, coarse, 7, one, options);
        using var got = MaskRefiner.Refine(fine, boxes, coarse, 7, two, options);

        Assert.True(want.Logits.SequenceEqual(got.Logits));
        Assert.Equal(want.PointsPredicted, got.PointsPredicted);
        Assert.Equal(one.Batches, two.Batches);
        Assert.Equal(want.SelectedCellsPerStep.Count, got.SelectedCellsPerStep.Count);
        for (var s = 0; s < want.SelectedCellsPerStep.Count; s++)
        {
            Assert.Equal(want.SelectedCellsPerStep[s], got.SelectedCellsPerStep[s]);
        }
    }

    [Fact]
    public void Refine_RefineBoundAboveEveryLogit_EqualsTheReference()
    {
        // The optional adaptive budget keeps N cells per step when all of them are below the bound.
        var (fine, boxes, coarse) = Scene(detections: 3);
        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);

        using var reference = MaskRefiner.Refine(fine, boxes, coarse, 7, head, MaskRefineOptions.Default);
        using var bounded = MaskRefiner.Refine(fine, boxes, coarse, 7, head, MaskRefineOptions.Default with { RefineBound = 1e30f });

        Assert.True(bounded.Logits.SequenceEqual(reference.Logits));
        Assert.Equal(reference.PointsPredicted, bounded.PointsPredicted);
    }

    [Fact]
    public void Refine_RefineBound_RepredictsOnlyCellsBelowIt_OneCallPerStep()
    {
        // Each step's recorded cells (padded with -1) are the reference's most uncertain cells whose upsampled
        // |logit| is below the bound; detections with fewer still share one point-head call per step.
        var (fine, boxes, coarse) = Scene(detections: 3);
        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);
        var options = new MaskRefineOptions(MaskMode.PointRend, 784, 1) { RecordPoints = true };
        const float bound = 0.3f;

        using var grid = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options with { Mode = MaskMode.Grid });
        using var reference = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options);
        head.Batches.Clear();
        using var bounded = MaskRefiner.Refine(fine, boxes, coarse, 7, head, options with { RefineBound = bound });

        Assert.Equal(2, head.Calls);
        var upsampled = new float[3 * 56 * 56];
        BilinearUpsample.Upsample2x(grid.Logits, 3, 28, 28, upsampled);
        var expected = reference.SelectedCellsPerStep[0]
            .Select((cell, i) => (Cell: cell, Detection: i / 784))
            .Where(c => MathF.Abs(upsampled[(c.Detection * 56 * 56) + c.Cell]) < bound)
            .ToList();
        var kept = bounded.SelectedCellsPerStep[0].Select((cell, i) => (Cell: cell, Detection: i / 784)).Where(c => c.Cell >= 0).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < 3 * 784, "the scene should leave some selected cells above the bound");
        Assert.Equal(expected, kept);
        Assert.Equal((3 * 784) + expected.Count, bounded.PointsPredicted);
        for (var r = 0; r < 3; r++)
        {
            var refined = expected.Where(c => c.Detection == r).Select(c => c.Cell).ToHashSet();
            for (var cell = 0; cell < 56 * 56; cell++)
            {
                var value = bounded.Of(r)[cell];
                Assert.Equal(refined.Contains(cell) ? reference.Of(r)[cell] : upsampled[(r * 56 * 56) + cell], value);
            }
        }
    }

    [Theory]
    [InlineData(MaskMode.Coarse, 7, 0)]
    [InlineData(MaskMode.Grid, 28, 784)]
    [InlineData(MaskMode.Dense, 224, 224 * 224)]
    public void Refine_Modes_GiveTheirResolutionAndPointCount(MaskMode mode, int resolution, int points)
    {
        var (fine, boxes, coarse) = Scene(detections: 2);
        var head = new LinearBoxHead(fine.Sum(f => f.Map.Channels) + 1);

        using var masks = MaskRefiner.Refine(fine, boxes, coarse, 7, head, new MaskRefineOptions(mode, 784, 3));

        Assert.Equal(resolution, masks.Resolution);
        Assert.Equal(2L * points, masks.PointsPredicted);
        if (mode == MaskMode.Coarse)
        {
            Assert.True(masks.Logits.SequenceEqual(coarse));
        }
    }

    [Fact]
    public void Paste_BoxCoveringWholePixels_SetsExactlyThePixelsInside()
    {
        // Positive logits everywhere: inside the box the sampled probability is > 0.5; half a pixel outside the edge
        // it is about 0.5 times the sigmoid (zero padding), below the threshold.
        var logits = Enumerable.Repeat(6f, 28 * 28).ToArray();

        using var mask = MaskPaste.Paste(logits, 28, new DetectionBox(10, 20, 30, 50), 64, 64);

        Assert.Equal((9, 19, 22, 32), (mask.Left, mask.Top, mask.Width, mask.Height));
        Assert.Equal(20 * 30, mask.Area);
        Assert.True(mask.Contains(10, 20) && mask.Contains(29, 49));
        Assert.False(mask.Contains(9, 20) || mask.Contains(30, 20) || mask.Contains(10, 50));
    }

    private static (StridedMap[] Fine, DetectionBox[] Boxes, float[] Coarse) Scene(int detections)
    {
        StridedMap Map(int channels, int stride)
        {
            var side = InputSide / stride;
            var data = new float[channels * side * side];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = MathF.Sin(i * 0.37f) * (1 + (i % 5));
            }

            return new StridedMap(new FeatureMap(data, channels, side, side), stride);
        }

        var boxes = Enumerable.Range(0, detections).Select(r => new DetectionBox(2 + (3 * r), 5 + r, 30 + (5 * r), 60 - r)).ToArray();
        var coarse = Enumerable.Range(0, detections * 49).Select(i => MathF.Cos(i * 0.9f) * 3).ToArray();
        return ([Map(4, 4), Map(2, 2), Map(3, 1)], boxes, coarse);
    }

    /// <summary>logit = sum_c w_c x_c per point; records each call's R and P.</summary>
    private sealed class LinearBoxHead(int inChannels, int threads = 1) : IBoxPointHead
    {
        public int InChannels { get; } = inChannels;

        public int Threads { get; } = threads;

        public int Calls => Batches.Count;

        public List<(int Detections, int Points)> Batches { get; } = [];

        public void Predict(ReadOnlySpan<float> pointFeatures, int detections, int points, Span<float> pointLogits)
        {
            Batches.Add((detections, points));
            for (var r = 0; r < detections; r++)
            {
                for (var p = 0; p < points; p++)
                {
                    var sum = 0f;
                    for (var c = 0; c < InChannels; c++)
                    {
                        sum += ((c % 3) - 0.8f) * pointFeatures[(((r * InChannels) + c) * points) + p];
                    }

                    pointLogits[(r * points) + p] = sum;
                }
            }
        }
    }
}
