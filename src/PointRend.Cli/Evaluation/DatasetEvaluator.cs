using System.Diagnostics;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;
using PointRend.Core.Evaluation;
using StbImageSharp;

namespace PointRend.Cli.Evaluation;

public sealed record EvaluationReport(string Mode, string Backend, int Images, double MeanIoU, double TrimapMeanIoU,
    double BoundaryF1, IReadOnlyList<double> PerClassIoU, IReadOnlyList<string> ClassNames, double MsPerImage)
{
    /// <summary>Mean SegmentResponse.points_refined per image: what an adaptive budget (max_gap) saves.</summary>
    public double PointsPerImage { get; init; }
}

/// <summary>Segments every pair through a backend and accumulates the confusion over the whole split.</summary>
public static class DatasetEvaluator
{
    public static async Task<EvaluationReport> RunAsync(ISegmentBackend backend, IReadOnlyList<LabelledPair> pairs,
        SegmentOptions options, int ignoreId, Action? onImage, CancellationToken cancellationToken)
    {
        var models = await backend.ListModelsAsync(cancellationToken);
        var model = string.IsNullOrEmpty(options.Model) ? models.Models.First(m => m.IsDefault) : models.Models.First(m => m.Name == options.Model);
        var classes = model.Classes.Count;
        var metrics = new SegmentationMetrics(classes, ignoreId);
        var requestOptions = options.Clone();
        requestOptions.Outputs = new OutputSelection { ClassRaw = true };
        var elapsed = TimeSpan.Zero;
        long points = 0;
        foreach (var pair in pairs)
        {
            var request = new SegmentRequest
            {
                Image = new Image { Encoded = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(pair.ImagePath, cancellationToken)) },
                Options = requestOptions,
            };
            var started = Stopwatch.GetTimestamp();
            var response = await backend.SegmentAsync(request, cancellationToken);
            elapsed += Stopwatch.GetElapsedTime(started);
            points += response.PointsRefined;
            var truth = ImageResult.FromMemory(await File.ReadAllBytesAsync(pair.LabelPath, cancellationToken), ColorComponents.Grey);
            if (truth.Width != response.Width || truth.Height != response.Height)
            {
                throw new InvalidOperationException(
                    $"'{pair.LabelPath}' is {truth.Width}x{truth.Height} but the prediction is {response.Width}x{response.Height}");
            }

            metrics.Add(response.ClassRaw.Span, truth.Data, truth.Width, truth.Height);
            onImage?.Invoke();
        }

        var report = metrics.Report();
        // Core reports fractions; people read CamVid numbers in percent.
        return new EvaluationReport(requestOptions.Mode.ToString().ToLowerInvariant(), backend.Description, pairs.Count, 100 * report.MeanIoU,
            100 * report.TrimapMeanIoU, 100 * report.BoundaryF1, report.PerClassIoU.Select(v => 100 * v).ToList(), model.Classes.Select(c => c.Name).ToList(),
            pairs.Count == 0 ? 0 : elapsed.TotalMilliseconds / pairs.Count)
        {
            PointsPerImage = pairs.Count == 0 ? 0 : (double)points / pairs.Count,
        };
    }
}
