using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PointRend.Inference;

/// <summary>model.json (docs/model-contract.md).</summary>
public sealed record ModelManifest(
    string Name,
    string Version,
    IReadOnlyList<ModelClass> Classes,
    int? IgnoreId,
    ModelInput Input,
    CoarseOutput Coarse,
    IReadOnlyList<FeatureOutput> Features,
    PointHeadSpec PointHead,
    RenderDefaults Defaults,
    RenderLimits Limits)
{
    public const string FileName = "model.json";

    /// <summary>The task of a model.json without a "task" field (every model before instance segmentation).</summary>
    public const string SemanticTask = "semantic";

    /// <summary>The model's "task" field, read before the rest so a model of another task is recognised, not refused.</summary>
    /// <exception cref="InvalidDataException">Not JSON.</exception>
    public static string ReadTask(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            return document.RootElement.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.String
                ? task.GetString()!
                : SemanticTask;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid model.json: {ex.Message}", ex);
        }
    }

    /// <exception cref="InvalidDataException">Unreadable or incomplete model.json.</exception>
    public static ModelManifest Load(string path) => ReadJson(path, ManifestJsonContext.Default.ModelManifest, "model.json");

    /// <summary>One model.json shape (semantic or instance) read with our messages for a bad or empty file.</summary>
    internal static T ReadJson<T>(string path, JsonTypeInfo<T> type, string what)
        where T : class
    {
        T? manifest;
        try
        {
            using var stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize(stream, type);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid {what}: {ex.Message}", ex);
        }

        return manifest ?? throw new InvalidDataException($"{path} is empty");
    }
}

public sealed record ModelClass(int Id, string Name, IReadOnlyList<int> Color)
{
    /// <summary>0xRRGGBB.</summary>
    public uint ColorRgb => Color.Count == 3 ? (uint)((Color[0] << 16) | (Color[1] << 8) | Color[2]) : 0u;
}

public sealed record ModelInput(string Name, string Layout, int SizeMultiple);

public sealed record CoarseOutput(string Output, int Stride);

/// <param name="Layout">"NCHW" (the default) or "NHWC": the order of the map's floats in coarse.onnx's output.</param>
public sealed record FeatureOutput(string Name, int Stride, int Channels, string Layout = FeatureOutput.Nchw)
{
    public const string Nchw = "NCHW";
    public const string Nhwc = "NHWC";

    public bool ChannelsLast => Layout == Nhwc;
}

public sealed record PointHeadSpec(string Input, string Output, int InChannels);

/// <param name="MaxGap">RenderOptions.MaxGap when a request sets none; absent (null) = no bound.</param>
public sealed record RenderDefaults(int Steps, int Points, float? MaxGap = null)
{
    /// <summary>The default bound as RenderOptions takes it (+infinity for none).</summary>
    public float MaxGapOrInfinity => MaxGap ?? float.PositiveInfinity;
}

public sealed record RenderLimits(int MaxSteps, int MaxPoints);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = true,
    RespectRequiredConstructorParameters = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
