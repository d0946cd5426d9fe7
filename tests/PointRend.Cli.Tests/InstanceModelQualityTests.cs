using System.Text.Json;
using PointRend.Cli.Evaluation;
using PointRend.Cli.Instances;
using PointRend.Core.Instances;
using PointRend.Testing;

namespace PointRend.Cli.Tests;

/// <summary>
/// `pointrend eval --compare` on Penn-Fudan val (the C# engine and the C# evaluator) must equal the Python evaluation
/// of part 1 (models/pennfudan/model.json "metrics", training/evaluate_instance.py) within 0.1 AP, for the three mask
/// modes on the same detections: a drift in the engine, the paste or the evaluator fails here.
/// </summary>
public sealed class InstanceModelQualityTests
{
    private const double Tolerance = 0.1;

    [Fact]
    public async Task CompareOnVal_EqualsThePythonNumbersOfTheModelCard()
    {
        var samples = PennFudanSplit.FromDirectories(
            Path.Combine(TestPaths.PennFudan, "PNGImages"), Path.Combine(TestPaths.PennFudan, "PedMasks"), "val", 0);
        await using var backend = InstanceBackends.Open(null, null, "cpu");
        var request = new InstanceRequest("pennfudan", MaskMode.PointRend, 0, 0, 0f, 100);
        var report = await InstanceDatasetEvaluator.RunAsync(
            backend, samples, "val", request, [MaskMode.Coarse, MaskMode.Grid, MaskMode.PointRend], null, CancellationToken.None);

        using var card = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "models", "pennfudan", "model.json")));
        var metrics = card.RootElement.GetProperty("metrics");
        var failures = new List<string>();
        void Check(string key, double actual)
        {
            var want = metrics.GetProperty(key).GetDouble();
            if (Math.Abs(want - actual) > Tolerance)
            {
                failures.Add($"{key}: Python {want:F2}, C# {actual:F2}");
            }
        }

        Assert.Equal((24, 64), (report.Images, report.GroundTruths));
        var box = report.Variants[0].Box;
        Check("box_AP", box.AP);
        Check("box_AP50", box.AP50);
        Check("box_AP75", box.AP75);
        foreach (var (variant, key) in report.Variants.Zip(new[] { "coarse", "grid28", "pointrend" }))
        {
            Assert.Equal(box, variant.Box); // paired: the same detections in every mode
            Check($"{key}_mask_AP", variant.Mask.AP);
            Check($"{key}_mask_AP50", variant.Mask.AP50);
            Check($"{key}_mask_AP75", variant.Mask.AP75);
            Check($"{key}_boundary_AP", variant.Boundary.AP);
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
