using System.CommandLine;
using Google.Protobuf;
using PointRend.Cli.Evaluation;
using PointRend.Cli.Instances;
using PointRend.Contracts.V1;
using Spectre.Console;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend segment IMAGES... --out DIR</c>: a class-id PNG per input, same file name; for instance models
/// (<c>--model pennfudan</c>) NAME.json in COCO's results format and NAME.png of instance ids.
/// </summary>
public static class SegmentCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var images = new Argument<string[]>("images") { Description = "image files or directories", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "output directory", Required = true };
        var overlay = new Option<bool>("--overlay") { Description = "also write NAME_overlay.png (classes blended over the input)" };
        var mode = CommonOptions.ModeOption();
        var instance = new InstanceOptions();
        var command = new Command("segment", "Segment images into class-id PNGs, or instance ids and COCO results for instance models") { images, output, overlay, mode };
        common.AddTo(command);
        instance.AddTo(command, defaultScoreThreshold: 0.5f);
        command.SetAction(async (result, ct) =>
        {
            var files = ImageFiles.Expand(result.GetValue(images)!);
            var outDir = result.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            if (await InstanceModels.IsInstanceAsync(common.Connection(result), result.GetValue(common.Models), result.GetValue(common.Model), ct))
            {
                return await SegmentInstancesAsync(result, common, instance, files, outDir, result.GetValue(overlay), result.GetValue(mode)!, ct);
            }

            var options = common.ToSegmentOptions(result, CommonOptions.ParseMode(result.GetValue(mode)!));
            options.Outputs = new OutputSelection { ClassPng = true, OverlayPng = result.GetValue(overlay) };
            await using var backend = common.OpenBackend(result);
            await AnsiConsole.Progress().AutoClear(files.Count < 2).StartAsync(async progress =>
            {
                var task = progress.AddTask($"segmenting ({backend.Description})", maxValue: files.Count);
                foreach (var file in files)
                {
                    await SegmentOneAsync(backend, file, outDir, options, ct);
                    task.Increment(1);
                }
            });
            AnsiConsole.MarkupLineInterpolated($"wrote {files.Count} label map(s) to [bold]{outDir}[/]");
            return 0;
        });
        return command;
    }

    private static async Task<int> SegmentInstancesAsync(
        ParseResult result, CommonOptions common, InstanceOptions instance, IReadOnlyList<string> files, string outDir, bool overlay, string mode, CancellationToken ct)
    {
        var request = instance.ToRequest(result, common, mode);
        await using var backend = InstanceBackends.Open(common.Connection(result), result.GetValue(common.Models), result.GetValue(common.Provider)!);
        var detections = 0;
        await AnsiConsole.Progress().AutoClear(files.Count < 2).StartAsync(async progress =>
        {
            var task = progress.AddTask($"segmenting instances ({backend.Description})", maxValue: files.Count);
            foreach (var file in files)
            {
                detections += (await InstanceSegmentRunner.SegmentOneAsync(backend, file, outDir, request, overlay, ct)).Instances.Count;
                task.Increment(1);
            }
        });
        AnsiConsole.MarkupLineInterpolated($"wrote COCO results and instance-id maps for {files.Count} image(s), {detections} detection(s), to [bold]{outDir}[/]");
        return 0;
    }

    private static async Task SegmentOneAsync(Backends.ISegmentBackend backend, string file, string outDir, SegmentOptions options, CancellationToken ct)
    {
        var request = new SegmentRequest
        {
            Image = new Image { Encoded = ByteString.CopyFrom(await File.ReadAllBytesAsync(file, ct)) },
            Options = options,
            CorrelationId = Path.GetFileName(file),
        };
        var response = await backend.SegmentAsync(request, ct);
        var stem = Path.GetFileNameWithoutExtension(file);
        await File.WriteAllBytesAsync(Path.Combine(outDir, stem + ".png"), response.ClassPng.ToByteArray(), ct);
        if (options.Outputs.OverlayPng)
        {
            await File.WriteAllBytesAsync(Path.Combine(outDir, stem + "_overlay.png"), response.OverlayPng.ToByteArray(), ct);
        }
    }
}
