using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Instances;

/// <summary>The instance engine (detector.onnx, subdivision, paste) in this process; each model loads once, on first use.</summary>
public sealed class InProcessInstanceBackend(string? modelsPath, string provider) : IInstanceBackend
{
    // The gateway's defaults (Limits:MaxImagePixels, MaxImageSide) are for requests; the CLI reads local files.
    private static readonly ImageLimits Limits = new(1L << 26, 16384);
    private readonly Dictionary<string, InstanceModel> _models = new(StringComparer.Ordinal);

    public string Description => "in-process";

    public Task<InstancePrediction> SegmentAsync(byte[] encoded, InstanceRequest request, CancellationToken cancellationToken)
    {
        var model = Model(request.Model);
        var image = ImageDecoder.DecodeRgb8(encoded, Limits);
        var defaults = model.DefaultRefine;
        var refine = new MaskRefineOptions(
            request.Mode, request.Points > 0 ? request.Points : defaults.PointsPerStep, request.Steps > 0 ? request.Steps : defaults.Steps);
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        using var result = InstanceEngine.Run(
            model, image.Pixels, image.Width, image.Height, new InstanceOptions(refine, request.ScoreThreshold, request.MaxDetections), runOptions);
        cancellationToken.ThrowIfCancellationRequested();
        var instances = result.Detections.Select(d => new PredictedInstance(
            d.ClassId, d.Score, new PixelBox(d.Box.X0, d.Box.Y0, d.Box.X1, d.Box.Y1),
            CroppedMask.FromCrop(d.Mask.Bits, d.Mask.Left, d.Mask.Top, d.Mask.Width, d.Mask.Height, image.Height, image.Width))).ToList();
        return Task.FromResult(new InstancePrediction(image.Width, image.Height, instances, result.DetectorMs, result.RefineMs, result.PasteMs));
    }

    private InstanceModel Model(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("instance requests need --model (e.g. --model pennfudan)");
        }

        if (!_models.TryGetValue(name, out var model))
        {
            var root = ModelCatalog.ResolveModelsPath(modelsPath);
            var dir = Path.Combine(root, name);
            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"no model '{name}' in {root}");
            }

            var kind = ExecutionProviderChoice.Choose(provider, OrtEnv.Instance().GetAvailableProviders(), out _);
            model = InstanceModel.Load(dir, kind, 0);
            _models.Add(name, model);
        }

        return model;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var m in _models.Values)
        {
            m.Dispose();
        }

        _models.Clear();
        return ValueTask.CompletedTask;
    }
}
