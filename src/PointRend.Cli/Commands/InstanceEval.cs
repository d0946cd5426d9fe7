using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PointRend.Cli.Evaluation;
using PointRend.Cli.Instances;
using PointRend.Core.Instances;
using Spectre.Console;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend eval --model pennfudan --images DIR --masks DIR [--compare]</c>: COCO mask AP (AP, AP50, AP75,
/// AP_S/M/L), box AP and boundary AP on the Penn-Fudan layout, with ms per image; --compare runs coarse, 28x28 grid and
/// pointrend on the same detections.
/// </summary>
public sealed class InstanceEval
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public Option<string?> Masks { get; } = new("--masks") { Description = "instance models: directory of instance-id masks (Penn-Fudan's PedMasks, NAME_mask.png)" };

    public Option<bool> Compare { get; } = new("--compare") { Description = "instance models: coarse, grid (28x28) and pointrend on the same detections" };

    public Option<string> Split { get; } = new("--split")
    {
        Description = "instance models: val (every fifth photo in name order, as training chose), train or all",
        DefaultValueFactory = _ => "val",
    };

    public Option<float> RefineBound { get; } = new("--refine-bound")
    {
        Description = "instance models, in-process only: PointRend steps re-predict only cells with |logit| below this (at most --points); 0 = off (the reference algorithm). An issue-12 experiment",
    };

    public InstanceOptions Instance { get; } = new();

    public void AddTo(Command command)
    {
        Split.AcceptOnlyFromAmong(PennFudanSplit.Splits);
        command.Options.Add(Masks);
        command.Options.Add(Compare);
        command.Options.Add(Split);
        command.Options.Add(RefineBound);
        // COCO scores every detection (up to 100): the graph's own 0.05 cut is the only one.
        Instance.AddTo(command, defaultScoreThreshold: 0f);
    }

    public async Task<int> RunAsync(ParseResult result, CommonOptions common, string imagesDir, int limit, bool json, string mode, CancellationToken ct)
    {
        var masks = result.GetValue(Masks)
            ?? throw new ArgumentException("eval of an instance model needs --masks DIR (the instance-id masks, e.g. Penn-Fudan's PedMasks)");
        var samples = PennFudanSplit.FromDirectories(imagesDir, masks, result.GetValue(Split)!, limit);
        var request = Instance.ToRequest(result, common, mode);
        MaskMode[] modes = result.GetValue(Compare) ? [MaskMode.Coarse, MaskMode.Grid, MaskMode.PointRend] : [request.Mode];
        var bound = result.GetValue(RefineBound);
        var connection = common.Connection(result);
        if (bound != 0f && connection is not null)
        {
            throw new ArgumentException("--refine-bound applies to the in-process engine only; drop --server");
        }

        await using var backend = InstanceBackends.Open(connection, result.GetValue(common.Models), result.GetValue(common.Provider)!, o => o.InstanceRefineBound = bound);
        InstanceEvaluationReport? report = null;
        if (json)
        {
            report = await InstanceDatasetEvaluator.RunAsync(backend, samples, result.GetValue(Split)!, request, modes, null, ct);
            Console.WriteLine(JsonSerializer.Serialize(report, Json));
            return 0;
        }

        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask($"evaluating ({backend.Description})", maxValue: samples.Count);
            report = await InstanceDatasetEvaluator.RunAsync(backend, samples, result.GetValue(Split)!, request, modes, () => task.Increment(1), ct);
        });
        Console.WriteLine(ToMarkdown(report!));
        return 0;
    }

    /// <summary>The report as a Markdown table (what docs/benchmarks.md and the model card quote).</summary>
    public static string ToMarkdown(InstanceEvaluationReport report)
    {
        static string F(double v) => v < 0 ? "-" : v.ToString("F2", CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"{report.Split}: {report.Images} images, {report.GroundTruths} people, {report.Detections} detections; {report.Backend}"),
            "",
            "| mask mode | mask AP | AP50 | AP75 | AP_S | AP_M | AP_L | boundary AP | ms / image | detector ms | refine ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var v in report.Variants)
        {
            var m = v.Mask;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {v.Mode} | {F(m.AP)} | {F(m.AP50)} | {F(m.AP75)} | {F(m.APSmall)} | {F(m.APMedium)} | {F(m.APLarge)} | {F(v.Boundary.AP)} | {v.MsPerImage:F1} | {v.DetectorMsPerImage:F1} | {v.RefineMsPerImage:F1} |"));
        }

        var box = report.Variants[0].Box;
        lines.Add("");
        lines.Add($"box AP {F(box.AP)} (AP50 {F(box.AP50)}, AP75 {F(box.AP75)}, AP_S {F(box.APSmall)}, AP_M {F(box.APMedium)}, AP_L {F(box.APLarge)})");
        return string.Join(Environment.NewLine, lines);
    }
}
