using PointRend.Inference.Instances;

namespace PointRend.Inference;

/// <summary>
/// The served models as their model.json files describe them, without ONNX sessions: what a distributed gateway
/// needs to list models, validate requests, plan tiles and key the cache, while only workers load the networks.
/// </summary>
public sealed class ModelManifests
{
    private readonly Dictionary<string, ModelManifest> _models;
    private readonly Dictionary<string, InstanceManifest> _instances;

    internal ModelManifests(string modelsPath, string defaultModel, Dictionary<string, ModelManifest> models, Dictionary<string, InstanceManifest> instances)
    {
        ModelsPath = modelsPath;
        DefaultModel = defaultModel;
        _models = models;
        _instances = instances;
    }

    public string ModelsPath { get; }

    public string DefaultModel { get; }

    /// <summary>Semantic manifests ordered by name.</summary>
    public IEnumerable<ModelManifest> All => _models.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>Instance manifests (<c>"task": "instance"</c>) ordered by name.</summary>
    public IEnumerable<InstanceManifest> Instances => _instances.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>Every served model's name, semantic and instance.</summary>
    public IEnumerable<string> Names => _models.Keys.Concat(_instances.Keys).Order(StringComparer.Ordinal);

    /// <summary>The named semantic model, or the default for an empty name; null when no such semantic model is served.</summary>
    public ModelManifest? Find(string? name) => _models.GetValueOrDefault(string.IsNullOrEmpty(name) ? DefaultModel : name);

    /// <summary>The named instance model; null for an empty name (the default is semantic) or when none is served.</summary>
    public InstanceManifest? FindInstance(string? name) => string.IsNullOrEmpty(name) ? null : _instances.GetValueOrDefault(name);

    /// <exception cref="InvalidOperationException">No models folder, or the default model is missing.</exception>
    /// <exception cref="InvalidDataException">A model.json is unreadable or disagrees with its folder name.</exception>
    public static ModelManifests Load(InferenceOptions options)
    {
        var path = ModelCatalog.ResolveModelsPath(options.ModelsPath);
        var models = new Dictionary<string, ModelManifest>(StringComparer.Ordinal);
        foreach (var dir in ModelFolders(path))
        {
            var manifest = ReadFolder(dir);
            models.Add(manifest.Name, manifest);
        }

        var instances = new Dictionary<string, InstanceManifest>(StringComparer.Ordinal);
        foreach (var dir in InstanceModelFolders(path))
        {
            var manifest = InstanceManifest.ReadFolder(dir);
            instances.Add(manifest.Name, manifest);
        }

        if (!models.ContainsKey(options.DefaultModel))
        {
            throw NoDefaultModel(options.DefaultModel, path, models.Keys);
        }

        return new ModelManifests(path, options.DefaultModel, models, instances);
    }

    public static InvalidOperationException NoDefaultModel(string defaultModel, string path, IEnumerable<string> found) => new(
        $"Inference:DefaultModel is '{defaultModel}' but {path} holds [{string.Join(", ", found)}] " +
        "(a model is a folder with model.json, coarse.onnx and point_head.onnx)");

    /// <summary>Sub-folders holding a semantic model's model.json, in name order.</summary>
    public static IEnumerable<string> ModelFolders(string modelsPath) => FoldersOfTask(modelsPath, ModelManifest.SemanticTask);

    /// <summary>
    /// Sub-folders holding an instance model's model.json (<c>"task": "instance"</c>, docs/model-contract.md), in name
    /// order; a contract of their own, served by <see cref="InstanceModel"/>. Any other task is skipped.
    /// </summary>
    public static IEnumerable<string> InstanceModelFolders(string modelsPath) => FoldersOfTask(modelsPath, InstanceManifest.InstanceTask);

    private static IEnumerable<string> FoldersOfTask(string modelsPath, string task) =>
        Directory.EnumerateDirectories(modelsPath).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, ModelManifest.FileName)) && ModelManifest.ReadTask(Path.Combine(d, ModelManifest.FileName)) == task);

    /// <exception cref="InvalidDataException">Unreadable model.json, or its name differs from the folder's.</exception>
    public static ModelManifest ReadFolder(string directory)
    {
        var manifest = ModelManifest.Load(Path.Combine(directory, ModelManifest.FileName));
        var folderName = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar));
        return string.Equals(manifest.Name, folderName, StringComparison.Ordinal)
            ? manifest
            : throw new InvalidDataException($"{directory}: model.json name is '{manifest.Name}' but the folder is '{folderName}'; they must match");
    }
}
