using System.Text.Json;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Instances;

/// <summary>Tells instance models (model.json <c>"task": "instance"</c>) from semantic ones.</summary>
public static class InstanceModels
{
    /// <summary>Asks the server's ListModels (ModelInfo.task) when one is given, else reads the local models folder.</summary>
    public static async Task<bool> IsInstanceAsync(ServerConnection? server, string? modelsPath, string? name, CancellationToken cancellationToken)
    {
        if (server is null)
        {
            return IsInstance(modelsPath, name);
        }

        if (string.IsNullOrEmpty(name))
        {
            return false; // the server's default model
        }

        await using var grpc = new GrpcBackend(server);
        var models = await grpc.ListModelsAsync(cancellationToken);
        return models.Models.FirstOrDefault(m => m.Name == name) is { } info && info.Task == ModelTask.Instance;
    }

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
