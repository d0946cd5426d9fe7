using System.CommandLine;
using System.Text.Json;
using PointRend.Cli.Evaluation;
using PointRend.Cli.Instances;
using Spectre.Console;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend eval --images DIR --labels DIR</c>: mIoU, per-class IoU, trimap mIoU, BF score, ms per image. For instance
/// models, <c>--masks DIR</c> (Penn-Fudan's PedMasks): COCO mask, box and boundary AP (see <see cref="InstanceEval"/>).
/// </summary>
public static class EvalCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create()
    {
        var common = new CommonOptions();
        var images = new Option<string>("--images") { Description = "directory of images", Required = true };
        var labels = new Option<string?>("--labels") { Description = "semantic models: directory of label maps with the same file names" };
        var limit = new Option<int>("--limit") { Description = "evaluate only the first N images (sorted by name); 0 = all" };
        var ignore = new Option<int>("--ignore-id") { Description = "label id excluded from scoring", DefaultValueFactory = _ => 11 };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var mode = CommonOptions.ModeOption();
        var instance = new InstanceEval();
        var command = new Command("eval", "Score predictions against ground-truth label maps (semantic) or instance masks (instance models)")
        {
            images, labels, limit, ignore, json, mode,
        };
        common.AddTo(command);
        instance.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            if (await InstanceModels.IsInstanceAsync(common.Connection(result), result.GetValue(common.Models), result.GetValue(common.Model), ct) || result.GetValue(instance.Masks) is not null)
            {
                return await instance.RunAsync(result, common, result.GetValue(images)!, result.GetValue(limit), result.GetValue(json), result.GetValue(mode)!, ct);
            }

            if (result.GetValue(labels) is null)
            {
                throw new ArgumentException("eval needs --labels DIR for a semantic model (or --masks DIR with an instance model such as --model pennfudan)");
            }

            var pairs = LabelledPair.FromDirectories(result.GetValue(images)!, result.GetValue(labels)!, result.GetValue(limit));
            var options = common.ToSegmentOptions(result, CommonOptions.ParseMode(result.GetValue(mode)!));
            await using var backend = common.OpenBackend(result);
            EvaluationReport? report = null;
            if (result.GetValue(json))
            {
                report = await DatasetEvaluator.RunAsync(backend, pairs, options, result.GetValue(ignore), null, ct);
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
                return 0;
            }

            await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
            {
                var task = progress.AddTask($"evaluating ({backend.Description})", maxValue: pairs.Count);
                report = await DatasetEvaluator.RunAsync(backend, pairs, options, result.GetValue(ignore), () => task.Increment(1), ct);
            });
            Print(report!);
            return 0;
        });
        return command;
    }

    private static void Print(EvaluationReport report)
    {
        var table = new Table().AddColumn("class").AddColumn(new TableColumn("IoU").RightAligned());
        for (var c = 0; c < report.PerClassIoU.Count; c++)
        {
            table.AddRow(report.ClassNames[c], double.IsNaN(report.PerClassIoU[c]) ? "-" : $"{report.PerClassIoU[c]:F2}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"mode {report.Mode}, {report.Images} images, {report.Backend}");
        AnsiConsole.WriteLine($"mIoU {report.MeanIoU:F2}  trimap mIoU (8 px) {report.TrimapMeanIoU:F2}  BF {report.BoundaryF1:F2}  {report.MsPerImage:F1} ms/image  {report.PointsPerImage:F0} points/image");
    }
}
