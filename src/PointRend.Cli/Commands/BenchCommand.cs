using System.CommandLine;
using System.Globalization;
using System.Text;
using PointRend.Cli.Bench;
using PointRend.Cli.Evaluation;
using PointRend.Contracts.V1;
using Spectre.Console;
using StbImageSharp;

namespace PointRend.Cli.Commands;

/// <summary><c>pointrend bench</c>: coarse vs pointrend vs dense at several output scales (and concurrency levels), in one run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var images = new Argument<string[]>("images") { Description = "image files or directories", Arity = ArgumentArity.OneOrMore };
        var limit = new Option<int>("--limit") { Description = "use the first N images", DefaultValueFactory = _ => 5 };
        var repeat = new Option<int>("--repeat") { Description = "passes over the images per case", DefaultValueFactory = _ => 2 };
        var scales = new Option<string>("--scales") { Description = "output scales of the input size", DefaultValueFactory = _ => "1,2,4" };
        var modes = new Option<string>("--modes") { Description = "modes to time", DefaultValueFactory = _ => "coarse,pointrend,dense" };
        var concurrency = new Option<string>("--concurrency") { Description = "parallel requests per case", DefaultValueFactory = _ => "1" };
        var markdown = new Option<string?>("--markdown") { Description = "also write the table as Markdown to this file" };
        var stream = new Option<bool>("--stream") { Description = "send the frames in order over SegmentStream (one stream per --concurrency), as video clients do; needs --server" };
        var fps = new Option<double>("--fps") { Description = "with --stream: frames per second per stream, like a camera (0 = as fast as the server takes them)" };
        var interleave = new Option<bool>("--interleave") { Description = "time the modes of a scale frame by frame in turn (one unary call at a time), so a slow stretch of the machine hits them alike" };
        var detections = new Option<int>("--detections") { Description = "instance models: boxes refined per photo (its top ones, repeated when fewer)", DefaultValueFactory = _ => 10 };
        var command = new Command("bench", "Time coarse, pointrend and dense rendering") { images, limit, repeat, scales, modes, concurrency, markdown, stream, fps, interleave, detections };
        common.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var files = ImageFiles.Expand(result.GetValue(images)!, result.GetValue(limit));
            if (result.GetValue(common.Server) is null && InstanceBench.InstanceModelFolder(result.GetValue(common.Models), result.GetValue(common.Model)) is { } folder)
            {
                var report = InstanceBench.Run(folder, files, result.GetValue(detections), result.GetValue(repeat), result.GetValue(common.Provider)!);
                Console.WriteLine(report);
                if (result.GetValue(markdown) is { } reportPath)
                {
                    await File.WriteAllTextAsync(reportPath, report, ct);
                }

                return 0;
            }

            var loaded = files.Select(f =>
            {
                var bytes = File.ReadAllBytes(f);
                var info = ImageInfo.FromStream(new MemoryStream(bytes)) ?? throw new InvalidDataException($"'{f}' is not a PNG or JPEG");
                return (Path.GetFileName(f), bytes, info.Width, info.Height);
            }).ToList();
            await using var backend = common.OpenBackend(result);
            var options = common.ToSegmentOptions(result, RenderMode.Pointrend);
            var rows = new List<BenchRow>();
            foreach (var c in ParseInts(result.GetValue(concurrency)!))
            {
                foreach (var s in ParseInts(result.GetValue(scales)!))
                {
                    var modeNames = result.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries);
                    if (result.GetValue(interleave))
                    {
                        var cases = modeNames.Select(m => new BenchCase(CommonOptions.ParseMode(m), s, c, result.GetValue(stream))).ToList();
                        var interleaved = await BenchRunner.RunInterleavedAsync(backend, loaded, cases, options, result.GetValue(repeat), ct);
                        rows.AddRange(interleaved);
                        AnsiConsole.MarkupLineInterpolated($"[grey]x{s} interleaved: p50 {string.Join(" / ", interleaved.Select(r => r.P50Ms.ToString("F1", CultureInfo.InvariantCulture)))} ms[/]");
                        continue;
                    }

                    foreach (var m in modeNames)
                    {
                        var row = await BenchRunner.RunAsync(backend, loaded, new BenchCase(CommonOptions.ParseMode(m), s, c, result.GetValue(stream), result.GetValue(fps)), options, result.GetValue(repeat), ct);
                        rows.Add(row);
                        AnsiConsole.MarkupLineInterpolated($"[grey]{m} x{s} c{c}{(row.Case.Stream ? " stream" : "")}: p50 {row.P50Ms:F1} ms[/]");
                    }
                }
            }

            var table = ToMarkdown(rows, backend.Description, loaded.Count, result.GetValue(repeat), result.GetValue(interleave));
            Console.WriteLine(table);
            if (result.GetValue(markdown) is { } path)
            {
                await File.WriteAllTextAsync(path, table, ct);
            }

            return 0;
        });
        return command;
    }

    private static int[] ParseInts(string csv)
    {
        return csv.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    private static string ToMarkdown(IReadOnlyList<BenchRow> rows, string backend, int images, int repeat, bool interleaved)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Backend: {backend}; {images} images x {repeat} passes per case; {Environment.ProcessorCount} cores; {Isa()} (this process's CPU).");
        sb.AppendLine();
        sb.AppendLine(rows.FirstOrDefault(r => r.Case.Stream) is { } streamed
            ? $"Calls: SegmentStream, one stream per unit of concurrency, frames in order{(streamed.Case.Fps > 0 ? FormattableString.Invariant($" at {streamed.Case.Fps:G} fps per stream") : " as fast as accepted")}; latency = frame written to its result read."
            : interleaved ? "Calls: unary Segment, the modes of a scale interleaved frame by frame (one call at a time)." : "Calls: unary Segment.");
        sb.AppendLine();
        sb.AppendLine("| mode | scale | concurrency | p50 ms | p99 ms | images/s | coarse ms | refine ms | points / pixels | p50 vs dense |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var dense = rows.FirstOrDefault(d => d.Case with { Mode = RenderMode.Dense } == d.Case && d.Case.Scale == r.Case.Scale
                && d.Case.Concurrency == r.Case.Concurrency);
            var ratio = dense is null ? "-" : (r.P50Ms / dense.P50Ms).ToString("F3", CultureInfo.InvariantCulture);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Case.Mode.ToString().ToLowerInvariant()} | {r.Case.Scale}x | {r.Case.Concurrency} | {r.P50Ms:F1} | {r.P99Ms:F1} | {r.ImagesPerSecond:F2} | {r.CoarseMs:F1} | {r.RefineMs:F1} | {r.PointsPerImage:F0} / {r.PixelsPerImage:F0} ({100 * r.PointsPerImage / r.PixelsPerImage:F1}%) | {ratio} |");
        }

        AppendRatios(sb, rows);
        return sb.ToString();
    }

    /// <summary>The widest vector instruction set of this CPU, as .NET sees it (DOTNET_EnableAVX512F=0 etc. lower it).</summary>
    private static string Isa() =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512"
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? (System.Runtime.Intrinsics.X86.Fma.IsSupported ? "AVX2+FMA" : "AVX2")
        : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "NEON" : "no SIMD";

    /// <summary>Issue 12's ratios, from rows of this run only: pointrend vs coarse, and dense vs pointrend, per scale (p50).</summary>
    private static void AppendRatios(StringBuilder sb, IReadOnlyList<BenchRow> rows)
    {
        var lines = new List<string>();
        foreach (var group in rows.GroupBy(r => (r.Case.Scale, r.Case.Concurrency, r.Case.Stream)))
        {
            double? P50(RenderMode mode) => group.FirstOrDefault(r => r.Case.Mode == mode)?.P50Ms;
            var (coarse, pointRend, dense) = (P50(RenderMode.Coarse), P50(RenderMode.Pointrend), P50(RenderMode.Dense));
            var where = FormattableString.Invariant($"{group.Key.Scale}x, concurrency {group.Key.Concurrency}");
            if (coarse is { } c && pointRend is { } p)
            {
                lines.Add(FormattableString.Invariant($"- {where}: pointrend p50 = {p / c:F2} x coarse"));
            }

            if (dense is { } d && pointRend is { } q)
            {
                lines.Add(FormattableString.Invariant($"- {where}: pointrend p50 = 1/{d / q:F1} of dense"));
            }
        }

        if (lines.Count > 0)
        {
            sb.AppendLine();
            lines.ForEach(l => sb.AppendLine(l));
        }
    }
}
