namespace PointRend.Inference.Tests;

/// <summary>The model folder as the gateway reads it without sessions.</summary>
public sealed class ModelManifestsTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("pointrend-models-").FullName;

    [Fact]
    public void Load_FolderWithAnInstanceModel_ReadsBothTasksAndSkipsUnknownOnes()
    {
        var camvid = Path.Combine(_models, "camvid");
        Directory.CreateDirectory(camvid);
        File.Copy(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", ModelManifest.FileName), Path.Combine(camvid, ModelManifest.FileName));
        var instance = Directory.CreateDirectory(Path.Combine(_models, "people")).FullName;
        var json = File.ReadAllText(Path.Combine(ModelCatalog.ResolveModelsPath(null), "pennfudan", ModelManifest.FileName));
        File.WriteAllText(Path.Combine(instance, ModelManifest.FileName), json.Replace("\"name\": \"pennfudan\"", "\"name\": \"people\"", StringComparison.Ordinal));
        var other = Directory.CreateDirectory(Path.Combine(_models, "depth")).FullName;
        File.WriteAllText(Path.Combine(other, ModelManifest.FileName), """{ "name": "depth", "task": "depth" }""");

        var manifests = ModelManifests.Load(new InferenceOptions { ModelsPath = _models });

        Assert.Equal(["camvid", "people"], manifests.Names);
        Assert.Equal(["camvid"], manifests.All.Select(m => m.Name));
        Assert.Equal("people", Assert.Single(manifests.Instances).Name);
        Assert.Null(manifests.Find("people"));
        Assert.Null(manifests.FindInstance("camvid"));
        Assert.Equal(ModelManifest.SemanticTask, ModelManifest.ReadTask(Path.Combine(camvid, ModelManifest.FileName)));
        Assert.Equal("instance", ModelManifest.ReadTask(Path.Combine(instance, ModelManifest.FileName)));
    }

    public void Dispose() => Directory.Delete(_models, recursive: true);
}
