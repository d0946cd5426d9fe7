using System.CommandLine;
using Google.Protobuf;
using PointRend.Cli.Evaluation;
using PointRend.Contracts.V1;
using Spectre.Console;

namespace PointRend.Cli.Commands;

/// <summary><c>pointrend segment IMAGES... --out DIR</c>: a class-id PNG per input, same file name.</summary>
public static class SegmentCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var images = new Argument<string[]>("images") { Description = "image files or directories", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "output directory", Required = true };
        var overlay = new Option<bool>("--overlay") { Description = "also write NAME_overlay.png (classes blended over the input)" };
        var mode = CommonOptions.ModeOption();
        var command = new Command("segment", "Segment images into class-id PNGs") { images, output, overlay, mode };
        common.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var files = ImageFiles.Expand(result.GetValue(images)!);
            var outDir = result.GetValue(output)!;
            Directory.CreateDirectory(outDir);
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
