using System.Text.Json;
using System.Text.Json.Serialization;

namespace PointRend.Inference.Instances;

/// <summary>model.json of a <c>"task": "instance"</c> model (docs/model-contract.md, "Instance models").</summary>
public sealed record InstanceManifest(
    string Name,
    string Version,
    string Task,
    IReadOnlyList<ModelClass> Classes,
    InstanceInput Input,
    DetectorSpec Detector,
    IReadOnlyList<FeatureOutput> Features,
    InstancePointHeadSpec PointHead,
    MaskSpec Mask)
{
    public const string InstanceTask = "instance";

    /// <summary>The class with this id, or null (instance class ids start at 1; 0 is background).</summary>
    public ModelClass? ClassById(long id) => Classes.FirstOrDefault(c => c.Id == id);

    /// <exception cref="InvalidDataException">Unreadable or incomplete model.json.</exception>
    public static InstanceManifest Load(string path) =>
        ModelManifest.ReadJson(path, InstanceManifestJsonContext.Default.InstanceManifest, "instance model.json");

    /// <exception cref="InvalidDataException">Unreadable model.json, or its name differs from the folder's.</exception>
    public static InstanceManifest ReadFolder(string directory)
    {
        var manifest = Load(Path.Combine(directory, ModelManifest.FileName));
        var folderName = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar));
        return string.Equals(manifest.Name, folderName, StringComparison.Ordinal)
            ? manifest
            : throw new InvalidDataException($"{directory}: model.json name is '{manifest.Name}' but the folder is '{folderName}'; they must match");
    }
}

/// <summary>Input tensor and the resize rule: shorter side to ShortSide, longer at most MaxLongSide, sides rounded to SizeMultiple.</summary>
public sealed record InstanceInput(string Name, string Layout, int SizeMultiple, InputResize Resize)
{
    /// <summary>
    /// The model input (H, W) for an h x w photo (training/pennfudan.py input_size): s = min(short / min(h, w),
    /// long / max(h, w)), each side round(side s / multiple) multiple (round half to even, as Python), at least one multiple.
    /// </summary>
    public (int Height, int Width) SizeFor(int height, int width)
    {
        double s = Math.Min((double)Resize.ShortSide / Math.Min(height, width), (double)Resize.MaxLongSide / Math.Max(height, width));
        int Side(int v) => Math.Max(SizeMultiple, (int)Math.Round(v * s / SizeMultiple, MidpointRounding.ToEven) * SizeMultiple);
        return (Side(height), Side(width));
    }
}

public sealed record InputResize(int ShortSide, int MaxLongSide, int Batch);

/// <summary>detector.onnx: its file, output names and the post-processing baked into it.</summary>
public sealed record DetectorSpec(string File, DetectorOutputs Outputs, DetectorPostprocess Postprocess, int CoarseResolution);

public sealed record DetectorOutputs(string Boxes, string Scores, string Classes, string Coarse);

public sealed record DetectorPostprocess(bool InGraph, float ScoreThreshold, float NmsIou, int MaxDetections);

public sealed record InstancePointHeadSpec(string File, string Input, string Output, int InChannels);

/// <summary>Refinement defaults: Points per step from the InitialResolution grid, Steps, to OutputResolution.</summary>
public sealed record MaskSpec(int Points, int InitialResolution, int Steps, int OutputResolution, float PasteThreshold);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = true,
    RespectRequiredConstructorParameters = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(InstanceManifest))]
internal sealed partial class InstanceManifestJsonContext : JsonSerializerContext;
