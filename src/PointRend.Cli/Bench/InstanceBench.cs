using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Bench;

/// <summary>
/// <c>pointrend bench --model pennfudan</c>: an instance model in-process, per photo the detector once, then each
/// mask mode on the same <c>detections</c> boxes (the photo's top ones, repeated when it has fewer: a box costs the
/// same whoever is in it), so the refinement's share of the frame is measured for a fixed number of people.
/// </summary>
public static class InstanceBench
{
    private static readonly (string Name, MaskRefineOptions Options)[] Modes =
    [
        ("coarse 7x7", new MaskRefineOptions(MaskMode.Coarse, 784, 0)),
        ("grid 28x28", new MaskRefineOptions(MaskMode.Grid, 784, 0)),
        ("pointrend 224x224", MaskRefineOptions.Default),
        ("dense 224x224", new MaskRefineOptions(MaskMode.Dense, 784, 3)),
    ];

    /// <summary>The instance model's folder when <paramref name="model"/> names one under the models folder, else null.</summary>
    public static string? InstanceModelFolder(string? modelsPath, string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        var path = ModelCatalog.ResolveModelsPath(modelsPath);
        return ModelManifests.InstanceModelFolders(path).FirstOrDefault(d => Path.GetFileName(d) == model);
    }

    public static string Run(string folder, IReadOnlyList<string> files, int detections, int repeat, string provider)
    {
        var kind = ExecutionProviderChoice.Choose(provider, OrtEnv.Instance().GetAvailableProviders(), out _);
        using var model = InstanceModel.Load(folder, kind, 0);
        var photos = files.Select(f => ImageDecoder.DecodeRgb8(File.ReadAllBytes(f), new ImageLimits(1 << 26, 1 << 14))).ToList();
        // Both point heads in the same run, alternating per photo, so their rows share the machine's load.
        using var runOptions = new RunOptions();
        var heads = new List<(string Name, IBoxPointHead Head)>();
        if (model.MlpHead is { } mlp)
        {
            // The engine's MLP shares a call's detections among ORT's intra-op thread count; one thread for comparison.
            heads.Add(($"SIMD MLP ({MlpPointHead.InstructionSet}, {mlp.Threads} threads)", mlp));
            if (mlp.Threads > 1)
            {
                heads.Add(($"SIMD MLP ({MlpPointHead.InstructionSet}, 1 thread)", new MlpBoxPointHead(mlp.Head, 1)));
            }
        }

        heads.Add(("ONNX Runtime", new OnnxBoxPointHead(model, runOptions)));
        var rows = heads.SelectMany(h => Modes.Select(m => (Head: h.Name, Mode: m.Name))).ToList();
        var detector = new List<double>();
        var refine = rows.ToDictionary(r => r, _ => new List<double>());
        var paste = rows.ToDictionary(r => r, _ => new List<double>());
        var points = rows.ToDictionary(r => r, _ => 0L);
        var headOnly = heads.ToDictionary(h => h.Name, _ => new List<double>());
        var features = new float[detections * model.Manifest.PointHead.InChannels * model.Manifest.Mask.Points];
        var headLogits = new float[detections * model.Manifest.Mask.Points];
        for (var pass = -1; pass < repeat; pass++)
        {
            // Pass -1 warms up (JIT, ORT arenas) and is not counted.
            foreach (var photo in photos)
            {
                var start = Stopwatch.GetTimestamp();
                using var detected = InstanceDetector.Run(model, photo.Pixels, photo.Width, photo.Height, runOptions);
                var detectorMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (detected.Count == 0)
                {
                    continue;
                }

                var boxes = new DetectionBox[detections];
                var coarse = new float[detections * 49];
                for (var r = 0; r < detections; r++)
                {
                    boxes[r] = detected.Boxes[r % detected.Count];
                    detected.Coarse.AsSpan((r % detected.Count) * 49, 49).CopyTo(coarse.AsSpan(r * 49));
                }

                if (pass >= 0)
                {
                    detector.Add(detectorMs);
                }

                foreach (var (headName, head) in heads)
                {
                    // The point head alone on PointRend's batches (grid + steps, all detections per call): the rest of
                    // "refine" is sampling, selection, upsampling and scatter in PointRend.Core.
                    start = Stopwatch.GetTimestamp();
                    for (var call = 0; call <= model.Manifest.Mask.Steps; call++)
                    {
                        head.Predict(features, detections, model.Manifest.Mask.Points, headLogits);
                    }

                    if (pass >= 0)
                    {
                        headOnly[headName].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }

                    foreach (var (name, options) in Modes)
                    {
                        start = Stopwatch.GetTimestamp();
                        using var logits = MaskRefiner.Refine(detected.Fine, boxes, coarse, detected.CoarseResolution, head, options);
                        var refineMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        // As the engine: the boxes in photo pixels, then every mask pasted on the head's threads.
                        start = Stopwatch.GetTimestamp();
                        var photoBoxes = boxes.Select(b => b.Rescale(detected.InputWidth, detected.InputHeight, photo.Width, photo.Height)).ToArray();
                        foreach (var mask in MaskPaste.PasteAll(logits, photoBoxes, photo.Width, photo.Height, MaskPaste.DefaultThreshold, head.Threads))
                        {
                            mask.Dispose();
                        }

                        if (pass >= 0)
                        {
                            refine[(headName, name)].Add(refineMs);
                            paste[(headName, name)].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            points[(headName, name)] = logits.PointsPredicted;
                        }
                    }
                }
            }
        }

        var detectorP50 = Median(detector);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Model {model.Name} {model.Manifest.Version}, in-process ({kind}), {photos.Count} photos x {repeat} passes, {detections} detections per photo, {Environment.ProcessorCount} cores, vector ISA {MlpPointHead.InstructionSet}; medians.");
        if (model.MlpHeadProblem is { } problem)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"No SIMD MLP head: {problem}");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Detector (resize + detector.onnx): {detectorP50:F1} ms per photo.");
        sb.AppendLine();
        foreach (var (headName, _) in heads)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Point head alone ({headName}) on PointRend's {model.Manifest.Mask.Steps + 1} batches of {detections} x {model.Manifest.Mask.Points} points: {Median(headOnly[headName]):F1} ms.");
        }

        sb.AppendLine();
        sb.AppendLine("| point head | mask mode | points per photo | refine ms | per detection ms | paste ms | refine + paste vs detector |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            var r = Median(refine[row]);
            var p = Median(paste[row]);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Head} | {row.Mode} | {points[row]} | {r:F1} | {r / detections:F2} | {p:F1} | {100 * (r + p) / detectorP50:F1}% |");
        }

        return sb.ToString();
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
