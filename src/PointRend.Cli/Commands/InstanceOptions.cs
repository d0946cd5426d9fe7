using System.CommandLine;
using PointRend.Cli.Instances;
using PointRend.Core.Instances;

namespace PointRend.Cli.Commands;

/// <summary>Options only instance models read: which detections to keep.</summary>
public sealed class InstanceOptions
{
    public Option<float> ScoreThreshold { get; private set; } = null!;

    public Option<int> MaxDetections { get; } = new("--max-detections") { Description = "instance models: at most this many detections per image", DefaultValueFactory = _ => 100 };

    public void AddTo(Command command, float defaultScoreThreshold)
    {
        ScoreThreshold = new Option<float>("--score-threshold")
        {
            Description = "instance models: drop detections scoring below this",
            DefaultValueFactory = _ => defaultScoreThreshold,
        };
        command.Options.Add(ScoreThreshold);
        command.Options.Add(MaxDetections);
    }

    public InstanceRequest ToRequest(ParseResult result, CommonOptions common, string mode) =>
        new(result.GetValue(common.Model)!, ParseMaskMode(mode), result.GetValue(common.Points), result.GetValue(common.Steps),
            result.GetValue(ScoreThreshold), result.GetValue(MaxDetections));

    public static MaskMode ParseMaskMode(string mode) => mode switch
    {
        "coarse" => MaskMode.Coarse,
        "grid" => MaskMode.Grid,
        "dense" => MaskMode.Dense,
        "pointrend" => MaskMode.PointRend,
        _ => throw new ArgumentException($"--mode is '{mode}'; instance models take coarse, grid, pointrend or dense"),
    };
}
