using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using PointRend.Cli.Bench;
using PointRend.Cli.Instances;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend figure --model pennfudan IMAGE --out FILE.png</c>: the paper's subdivision figure for one detection of an
/// instance model (photo and box; coarse 7x7; 28x28 grid; each subdivision step with the points it chose), in-process.
/// </summary>
public static class FigureCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "a photo" };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var model = new Option<string>("--model") { Description = "instance model", DefaultValueFactory = _ => "pennfudan" };
        var models = new Option<string?>("--models") { Description = "models directory (default: the shipped models)" };
        var detection = new Option<int>("--detection") { Description = "which detection, by rank (0 = the highest score)" };
        var height = new Option<int>("--panel-height") { Description = "panel height in pixels", DefaultValueFactory = _ => 192 };
        var command = new Command("figure", "Draw one detection's subdivision: coarse, 28x28 grid and each step's points (instance models)")
        {
            image, output, model, models, detection, height,
        };
        command.SetAction((result, ct) =>
        {
            var name = result.GetValue(model)!;
            var folder = InstanceBench.InstanceModelFolder(result.GetValue(models), name)
                ?? throw new ArgumentException($"'{name}' is not an instance model in the models folder; figure draws instance subdivision");
            var photo = ImageDecoder.DecodeRgb8(File.ReadAllBytes(result.GetValue(image)!), new ImageLimits(1L << 26, 16384));
            var kind = ExecutionProviderChoice.Choose("auto", OrtEnv.Instance().GetAvailableProviders(), out _);
            using var loaded = InstanceModel.Load(folder, kind, 0);
            var png = SubdivisionFigure.Render(loaded, photo, result.GetValue(detection), result.GetValue(height));
            File.WriteAllBytes(result.GetValue(output)!, png);
            Console.WriteLine($"wrote {result.GetValue(output)} ({png.Length / 1024} KB)");
            return Task.FromResult(0);
        });
        return command;
    }
}
