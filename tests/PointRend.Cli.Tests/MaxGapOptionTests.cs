using System.CommandLine;
using PointRend.Cli.Commands;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Tests;

/// <summary>--max-gap: a number, inf for no bound, 0 (or absent) for the model's default; nothing negative.</summary>
public sealed class MaxGapOptionTests
{
    [Theory]
    [InlineData("", 0f)]
    [InlineData("--max-gap 4.5", 4.5f)]
    [InlineData("--max-gap inf", float.PositiveInfinity)]
    [InlineData("--max-gap 0", 0f)]
    public void MaxGap_ParsesIntoSegmentOptions(string args, float expected)
    {
        var (common, command) = Command();

        var result = command.Parse(args);

        Assert.Empty(result.Errors);
        Assert.Equal(expected, common.ToSegmentOptions(result, RenderMode.Pointrend).MaxGap);
    }

    [Theory]
    [InlineData("--max-gap -1")]
    [InlineData("--max-gap NaN")]
    [InlineData("--max-gap lots")]
    public void MaxGap_NegativeOrNotANumber_IsAParseError(string args)
    {
        var (_, command) = Command();

        var result = command.Parse(args);

        Assert.Contains(result.Errors, e => e.Message.Contains("--max-gap", StringComparison.Ordinal));
    }

    private static (CommonOptions Common, Command Command) Command()
    {
        var common = new CommonOptions();
        var command = new Command("x");
        common.AddTo(command);
        return (common, command);
    }
}
