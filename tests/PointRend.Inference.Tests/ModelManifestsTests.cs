namespace PointRend.Inference.Tests;

/// <summary>The model folder as the gateway reads it without sessions.</summary>
public sealed class ModelManifestsTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("pointrend-models-").FullName;

    [Fact]
    public void Load_FolderWithAnInstanceModel_ServesTheSemanticOnesAndSkipsTheOther()
    {
        var camvid = Path.Combine(_models, "camvid");
        Directory.CreateDirectory(camvid);
        File.Copy(Path.Combine(ModelCatalog.ResolveModelsPath(null), "camvid", ModelManifest.FileName), Path.Combine(camvid, ModelManifest.FileName));
        var instance = Directory.CreateDirectory(Path.Combine(_models, "people")).FullName;
        File.WriteAllText(Path.Combine(instance, ModelManifest.FileName), """{ "name": "people", "task": "instance", "detector": { "file": "detector.onnx" } }""");

        var manifests = ModelManifests.Load(new InferenceOptions { ModelsPath = _models });

        Assert.Equal(["camvid"], manifests.Names);
        Assert.Equal(ModelManifest.SemanticTask, ModelManifest.ReadTask(Path.Combine(camvid, ModelManifest.FileName)));
        Assert.Equal("instance", ModelManifest.ReadTask(Path.Combine(instance, ModelManifest.FileName)));
        Assert.Equal(["camvid"], ModelListing.From(manifests, "").Models.Select(m => m.Name));
    }

    public void Dispose() => Directory.Delete(_models, recursive: true);
}
