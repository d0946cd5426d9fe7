using System.Text.Json;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Instances;

/// <summary>Tells instance models (model.json <c>"task": "instance"</c>) from semantic ones in the local models folder.</summary>
public static class InstanceModels
{
    /// <summary>
    /// True when models/<paramref name="name"/>/model.json says <c>"task": "instance"</c>. A model that is not in the
    /// local folder (one only a server has) counts as semantic here; the server then decides.
    /// </summary>
    public static bool IsInstance(string? modelsPath, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        string file;
        try
        {
            file = Path.Combine(ModelCatalog.ResolveModelsPath(modelsPath), name, ModelManifest.FileName);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        if (!File.Exists(file))
        {
            return false;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
        return doc.RootElement.TryGetProperty("task", out var task) && task.GetString() == InstanceManifest.InstanceTask;
    }
}
