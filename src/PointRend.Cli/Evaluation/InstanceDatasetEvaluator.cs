using System.Diagnostics;
using PointRend.Cli.Instances;
using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;

namespace PointRend.Cli.Evaluation;

/// <summary>COCO AP figures in percent (-1 where undefined: no ground truth in that area range).</summary>
public sealed record ApFigures(double AP, double AP50, double AP75, double APSmall, double APMedium, double APLarge)
{
    public static ApFigures Percent(AveragePrecision a)
    {
        static double P(double v) => v < 0 ? -1 : 100 * v;
        return new(P(a.Ap), P(a.Ap50), P(a.Ap75), P(a.ApSmall), P(a.ApMedium), P(a.ApLarge));
    }
}

/// <summary>One mask mode's scores and time; the detections (and so box AP) are the same for every mode of a run.</summary>
public sealed record InstanceVariantReport(string Mode, ApFigures Mask, ApFigures Boundary, ApFigures Box, double MsPerImage, double DetectorMsPerImage, double RefineMsPerImage);

public sealed record InstanceEvaluationReport(string Backend, string Split, int Images, int GroundTruths, int Detections, IReadOnlyList<InstanceVariantReport> Variants);

/// <summary>
/// Segments every sample with each mask mode and scores them against the ground truth, paired: every mode must see
/// the same detections (scores and boxes), so the modes differ only in their masks.
/// </summary>
public static class InstanceDatasetEvaluator
{
    public static async Task<InstanceEvaluationReport> RunAsync(IInstanceBackend backend, IReadOnlyList<InstanceSample> samples, string split,
        InstanceRequest request, IReadOnlyList<MaskMode> modes, Action? onImage, CancellationToken cancellationToken)
    {
        var evaluators = modes.Select(_ => new InstanceEvaluator(request.MaxDetections)).ToArray();
        var elapsed = new double[modes.Count];
        var detector = new double[modes.Count];
        var refine = new double[modes.Count];
        var groundTruths = 0;
        var detections = 0;
        foreach (var sample in samples)
        {
            var (truth, width, height) = sample.ReadInstances();
            groundTruths += truth.Length;
            var encoded = await File.ReadAllBytesAsync(sample.ImagePath, cancellationToken);
            InstancePrediction? first = null;
            for (var m = 0; m < modes.Count; m++)
            {
                var started = Stopwatch.GetTimestamp();
                var prediction = await backend.SegmentAsync(encoded, request with { Mode = modes[m] }, cancellationToken);
                elapsed[m] += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                detector[m] += prediction.DetectorMs;
                refine[m] += prediction.RefineMs;
                if ((prediction.Width, prediction.Height) != (width, height))
                {
                    throw new InvalidOperationException($"'{sample.MaskPath}' is {width}x{height} but the prediction for '{sample.ImagePath}' is {prediction.Width}x{prediction.Height}");
                }

                first ??= prediction;
                CheckPaired(first, prediction, sample.Name, modes[0], modes[m]);
                evaluators[m].Add(height, width, truth, prediction.Instances.Select(d => new EvaluatedDetection(d.Score, d.Box, d.Mask)).ToList());
            }

            detections += first?.Instances.Count ?? 0;
            onImage?.Invoke();
        }

        var n = Math.Max(1, samples.Count);
        var variants = modes.Select((mode, m) =>
        {
            var r = evaluators[m].Report();
            return new InstanceVariantReport(ModeName(mode), ApFigures.Percent(r.Mask), ApFigures.Percent(r.Boundary), ApFigures.Percent(r.Box),
                elapsed[m] / n, detector[m] / n, refine[m] / n);
        }).ToList();
        return new InstanceEvaluationReport(backend.Description, split, samples.Count, groundTruths, detections, variants);
    }

    public static string ModeName(MaskMode mode) => mode switch
    {
        MaskMode.Coarse => "coarse",
        MaskMode.Grid => "grid",
        MaskMode.Dense => "dense",
        _ => "pointrend",
    };

    private static void CheckPaired(InstancePrediction a, InstancePrediction b, string name, MaskMode modeA, MaskMode modeB)
    {
        var same = a.Instances.Count == b.Instances.Count
            && a.Instances.Zip(b.Instances).All(p => p.First.Score == p.Second.Score && p.First.Box == p.Second.Box && p.First.ClassId == p.Second.ClassId);
        if (!same)
        {
            throw new InvalidOperationException(
                $"{name}: {ModeName(modeA)} and {ModeName(modeB)} got different detections ({a.Instances.Count} vs {b.Instances.Count}); the comparison would not be paired");
        }
    }
}
