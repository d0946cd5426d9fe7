using System.CommandLine;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Commands;

/// <summary>Options every subcommand shares: where to run, which model, how to render.</summary>
public sealed class CommonOptions
{
    /// <summary>--server with the credentials and TLS options of a secured gateway.</summary>
    public ServerOptions Remote { get; } = new();

    public Option<string?> Server => Remote.Server;
    public Option<string?> Models { get; } = new("--models") { Description = "models directory for in-process runs (default: the shipped models)" };
    public Option<string> Provider { get; } = new("--provider") { Description = "execution provider for in-process runs: auto, cpu, cuda", DefaultValueFactory = _ => "auto" };
    public Option<string?> Model { get; } = new("--model") { Description = "model name (default: the server's default model)" };
    public Option<int> Steps { get; } = new("--steps") { Description = "subdivision steps (0 = model default)" };
    public Option<int> Points { get; } = new("--points") { Description = "points per step (0 = model default)" };
    public Option<float> MaxGap { get; } = CreateMaxGapOption();
    public Option<string> PointHead { get; } = CreatePointHeadOption();

    public void AddTo(Command command)
    {
        Remote.AddTo(command);
        command.Options.Add(Models);
        command.Options.Add(Provider);
        command.Options.Add(Model);
        command.Options.Add(Steps);
        command.Options.Add(Points);
        command.Options.Add(MaxGap);
        command.Options.Add(PointHead);
    }

    public ISegmentBackend OpenBackend(ParseResult result)
    {
        var pointHead = result.GetValue(PointHead)!;
        return SegmentBackends.Open(Connection(result), result.GetValue(Models), result.GetValue(Provider)!, o => o.PointHead = pointHead);
    }

    /// <summary>The gateway of --server with its credentials, or null for an in-process run.</summary>
    public ServerConnection? Connection(ParseResult result) => Remote.ToConnection(result);

    public SegmentOptions ToSegmentOptions(ParseResult result, RenderMode mode)
    {
        return new SegmentOptions
        {
            Model = result.GetValue(Model) ?? "",
            Mode = mode,
            SubdivisionSteps = result.GetValue(Steps),
            PointsPerStep = result.GetValue(Points),
            MaxGap = result.GetValue(MaxGap),
        };
    }

    private static Option<float> CreateMaxGapOption()
    {
        // Parsed here rather than by the option's default float parser so "inf" works and the culture cannot matter.
        return new Option<float>("--max-gap")
        {
            Description = "refine only cells whose top-two logit gap is at most this (0 = model default, inf = no bound)",
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (text is "inf" or "infinity" or "none")
                {
                    return float.PositiveInfinity;
                }

                if (float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float value) && value >= 0f)
                {
                    return value;
                }

                r.AddError($"--max-gap is '{text}'; it takes a number >= 0 (0 = model default) or inf (no bound)");
                return 0f;
            },
        };
    }

    private static Option<string> CreatePointHeadOption()
    {
        var option = new Option<string>("--point-head")
        {
            Description = "in-process runs: mlp (PointRend.Core's SIMD MLP, the default) or onnx (ONNX Runtime, as before issue 12)",
            DefaultValueFactory = _ => "mlp",
        };
        option.AcceptOnlyFromAmong("mlp", "onnx");
        return option;
    }

    public static Option<string> ModeOption(string defaultMode = "pointrend")
    {
        var option = new Option<string>("--mode")
        {
            Description = "coarse, pointrend or dense; instance models also take grid (the point head on the 28x28 grid, no subdivision)",
            DefaultValueFactory = _ => defaultMode,
        };
        option.AcceptOnlyFromAmong("coarse", "pointrend", "dense", "grid");
        return option;
    }

    public static RenderMode ParseMode(string mode) => mode switch
    {
        "coarse" => RenderMode.Coarse,
        "dense" => RenderMode.Dense,
        "pointrend" => RenderMode.Pointrend,
        _ => throw new ArgumentException($"--mode is '{mode}'; semantic models take coarse, pointrend or dense (grid is for instance models)"),
    };
}
