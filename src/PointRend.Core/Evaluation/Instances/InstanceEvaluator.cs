// Shape shorthand: per image D detections, G ground truths; IoU matrices D x G row-major.
// The COCO instance evaluation for one category (cocoeval with iouType bbox and segm, and boundary-iou-api's
// "boundary": pairs scored by min(mask IoU, boundary IoU)), 100 detections per image, area ranges all / small /
// medium / large. Semantics as training/evaluate_instance.py, which covers the range "all".
namespace PointRend.Core.Evaluation.Instances;

/// <summary>A detection to score: its confidence, box (image pixels) and mask.</summary>
public sealed record EvaluatedDetection(double Score, PixelBox Box, CroppedMask Mask);

/// <summary>COCO AP figures as fractions; -1 where no ground truth falls in the range (cocoeval's convention).</summary>
public sealed record AveragePrecision(double Ap, double Ap50, double Ap75, double ApSmall, double ApMedium, double ApLarge);

/// <summary>Box, mask and boundary AP over the images added.</summary>
public sealed record InstanceReport(int Images, int GroundTruths, int Detections, AveragePrecision Box, AveragePrecision Mask, AveragePrecision Boundary);

/// <summary>Accumulates images one at a time (their masks are not kept) and reports COCO AP.</summary>
public sealed class InstanceEvaluator(int maxDetections = 100, double dilationRatio = BoundaryBand.DefaultDilationRatio)
{
    private readonly List<ImageMatches>[] _box = NewLists();
    private readonly List<ImageMatches>[] _mask = NewLists();
    private readonly List<ImageMatches>[] _boundary = NewLists();
    private int _images;
    private int _groundTruths;
    private int _detections;

    /// <summary>Scores one H x W image: its ground-truth masks and the detections, in the order they were produced.</summary>
    public void Add(int height, int width, IReadOnlyList<CroppedMask> groundTruth, IReadOnlyList<EvaluatedDetection> detections)
    {
        foreach (var m in groundTruth.Concat(detections.Select(x => x.Mask)))
        {
            if (m.ImageHeight != height || m.ImageWidth != width)
            {
                throw new ArgumentException($"a mask of a {m.ImageWidth}x{m.ImageHeight} image was added to a {width}x{height} image");
            }
        }

        // cocoeval: detections by descending score, stable, the first maxDets.
        var kept = detections.OrderByDescending(x => x.Score).Take(maxDetections).ToArray();
        int d = kept.Length, g = groundTruth.Count;
        _images++;
        _groundTruths += g;
        _detections += d;

        var dilation = BoundaryBand.Dilation(height, width, dilationRatio);
        var gtBands = groundTruth.Select(m => BoundaryBand.Of(m, dilation)).ToArray();
        var boxIoU = new double[d * g];
        var maskIoU = new double[d * g];
        var boundaryIoU = new double[d * g];
        for (var i = 0; i < d; i++)
        {
            var band = g == 0 ? null : BoundaryBand.Of(kept[i].Mask, dilation);
            for (var j = 0; j < g; j++)
            {
                boxIoU[(i * g) + j] = PixelBox.IoU(kept[i].Box, groundTruth[j].Box);
                var mask = CroppedMask.IoU(kept[i].Mask, groundTruth[j]);
                maskIoU[(i * g) + j] = mask;
                boundaryIoU[(i * g) + j] = Math.Min(mask, CroppedMask.IoU(band!, gtBands[j]));
            }
        }

        var scores = kept.Select(x => x.Score).ToArray();
        var boxAreas = kept.Select(x => x.Box.Area).ToArray();
        var maskAreas = kept.Select(x => (double)x.Mask.Area).ToArray();
        var gtAreas = groundTruth.Select(m => (double)m.Area).ToArray();
        for (var r = 0; r < AreaRange.Coco.Count; r++)
        {
            var range = AreaRange.Coco[r];
            _box[r].Add(CocoMatching.Match(boxIoU, scores, boxAreas, gtAreas, range));
            _mask[r].Add(CocoMatching.Match(maskIoU, scores, maskAreas, gtAreas, range));
            _boundary[r].Add(CocoMatching.Match(boundaryIoU, scores, maskAreas, gtAreas, range));
        }
    }

    public InstanceReport Report() =>
        new(_images, _groundTruths, _detections, Summarize(_box), Summarize(_mask), Summarize(_boundary));

    private static AveragePrecision Summarize(List<ImageMatches>[] byRange)
    {
        var (ap, ap50, ap75) = CocoAccumulation.Summarize(CocoAccumulation.Precision(byRange[0]));
        double Ap(int range) => CocoAccumulation.Summarize(CocoAccumulation.Precision(byRange[range])).Ap;
        return new AveragePrecision(ap, ap50, ap75, Ap(1), Ap(2), Ap(3));
    }

    private static List<ImageMatches>[] NewLists() => AreaRange.Coco.Select(_ => new List<ImageMatches>()).ToArray();
}
