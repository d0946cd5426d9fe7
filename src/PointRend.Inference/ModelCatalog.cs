using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PointRend.Inference.Instances;

namespace PointRend.Inference;

/// <summary>Every model under the models folder, loaded and checked once at start.</summary>
public sealed class ModelCatalog : IDisposable
{
    private readonly Dictionary<string, LoadedModel> _models;
    private readonly Dictionary<string, InstanceModel> _instances;

    private ModelCatalog(
        string modelsPath, string defaultModel, ExecutionProviderKind provider, Dictionary<string, LoadedModel> models, Dictionary<string, InstanceModel> instances)
    {
        ModelsPath = modelsPath;
        DefaultModel = defaultModel;
        Provider = provider;
        _models = models;
        _instances = instances;
        Manifests = new ModelManifests(
            modelsPath,
            defaultModel,
            models.Values.ToDictionary(m => m.Name, m => m.Manifest, StringComparer.Ordinal),
            instances.Values.ToDictionary(m => m.Name, m => m.Manifest, StringComparer.Ordinal));
    }

    /// <summary>The same models' model.json data, for validation and listing.</summary>
    public ModelManifests Manifests { get; }

    public string ModelsPath { get; }

    public string DefaultModel { get; }

    public ExecutionProviderKind Provider { get; }

    public IReadOnlyCollection<LoadedModel> Models => _models.Values;

    /// <summary>The instance models (<c>"task": "instance"</c>).</summary>
    public IReadOnlyCollection<InstanceModel> InstanceModels => _instances.Values;

    public bool TryGet(string name, out LoadedModel model) => _models.TryGetValue(name, out model!);

    public bool TryGetInstance(string name, out InstanceModel model) => _instances.TryGetValue(name, out model!);

    /// <exception cref="InvalidOperationException">No models folder, no models, unknown default, or provider unavailable.</exception>
    /// <exception cref="InvalidDataException">A model breaks the contract.</exception>
    public static ModelCatalog Load(InferenceOptions options, ILogger logger)
    {
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        var available = OrtEnv.Instance().GetAvailableProviders();
        var provider = ExecutionProviderChoice.Choose(options.ExecutionProvider, available, out var fellBack);
        if (fellBack)
        {
            InferenceLog.ProviderFallback(logger, string.Join(", ", available));
        }
        else if (provider == ExecutionProviderKind.Cuda)
        {
            var loadError = CudaProviderProbe.TryLoad();
            provider = ExecutionProviderChoice.AfterCudaLoad(options.ExecutionProvider, loadError);
            if (loadError is not null)
            {
                InferenceLog.CudaLoadFallback(logger, loadError, ExecutionProviderChoice.CudaRequirement);
            }
        }

        var path = ResolveModelsPath(options.ModelsPath);
        InferenceLog.ModelsPath(logger, path);
        var models = new Dictionary<string, LoadedModel>(StringComparer.Ordinal);
        var instances = new Dictionary<string, InstanceModel>(StringComparer.Ordinal);
        try
        {
            foreach (var dir in ModelManifests.ModelFolders(path))
            {
                var model = LoadedModel.Load(dir, provider, options.IntraOpThreads);
                models.Add(model.Name, model);
                InferenceLog.ModelLoaded(logger, model.Name, model.Manifest.Version, dir, provider.ToString());
            }

            foreach (var dir in ModelManifests.InstanceModelFolders(path))
            {
                var model = InstanceModel.Load(dir, provider, options.IntraOpThreads);
                instances.Add(model.Name, model);
                InferenceLog.ModelLoaded(logger, model.Name, model.Manifest.Version, dir, provider.ToString());
            }

            if (!models.ContainsKey(options.DefaultModel))
            {
                throw ModelManifests.NoDefaultModel(options.DefaultModel, path, models.Keys);
            }
        }
        catch
        {
            foreach (var m in models.Values)
            {
                m.Dispose();
            }

            foreach (var m in instances.Values)
            {
                m.Dispose();
            }

            throw;
        }

        return new ModelCatalog(path, options.DefaultModel, provider, models, instances);
    }

    /// <summary>See <see cref="InferenceOptions.ModelsPath"/>.</summary>
    public static string ResolveModelsPath(string? configured)
    {
        var baseDir = AppContext.BaseDirectory;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured, baseDir);
            return Directory.Exists(full)
                ? full
                : throw new InvalidOperationException($"Inference:ModelsPath is '{configured}' ({full}), which does not exist");
        }

        // Published apps carry models/ beside the binaries; tests and `dotnet run` find the repo's models/ above.
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models");
            if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, ModelManifest.FileName, SearchOption.AllDirectories).Any())
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"no models folder with a model.json beside or above {baseDir}; set Inference:ModelsPath");
    }

    public void Dispose()
    {
        foreach (var m in _models.Values)
        {
            m.Dispose();
        }

        foreach (var m in _instances.Values)
        {
            m.Dispose();
        }
    }
}
