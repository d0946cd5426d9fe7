using PointRend.Testing;

namespace PointRend.Cli.Tests;

/// <summary>`pointrend bench --stream`: frames in order over SegmentStream through a real gateway on loopback.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pointrend-bench-").FullName;

    [Fact]
    public async Task Stream_TwoStreamsOfFrames_EveryFrameComesBackAndARowIsWritten()
    {
        await using var server = await GatewayServer.StartAsync();
        var table = Path.Combine(_dir, "bench.md");

        // A stream that returned fewer results than frames would fail the command.
        var exit = await SegmentCommandTests.RunAsync(
            ["bench", .. TestPaths.ValFrames(3), "--server", server.Address, "--stream", "--fps", "50", "--concurrency", "2",
             "--repeat", "2", "--modes", "coarse", "--scales", "1", "--markdown", table]).DefaultTimeout();

        Assert.Equal(0, exit);
        var text = await File.ReadAllTextAsync(table);
        Assert.Contains("SegmentStream, one stream per unit of concurrency, frames in order at 50 fps per stream", text, StringComparison.Ordinal);
        Assert.Contains("| coarse | 1x | 2 |", text, StringComparison.Ordinal);
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task InProcess_TableNamesTheIsa_AndGivesThePointRendToCoarseRatio()
    {
        var table = Path.Combine(_dir, "bench.md");

        var exit = await SegmentCommandTests.RunAsync(
            ["bench", .. TestPaths.ValFrames(1), "--repeat", "1", "--modes", "coarse,pointrend", "--scales", "1", "--markdown", table]).DefaultTimeout();

        Assert.Equal(0, exit);
        var text = await File.ReadAllTextAsync(table);
        Assert.Matches(@"cores; (AVX-512|AVX2\+FMA|AVX2|NEON|no SIMD) \(this process's CPU\)", text);
        Assert.Matches(@"- 1x, concurrency 1: pointrend p50 = \d+\.\d\d x coarse", text);
    }

    [Fact]
    public async Task Interleave_BothModesTimed_AndTheRatioIsFromThatRun()
    {
        var table = Path.Combine(_dir, "bench.md");

        var exit = await SegmentCommandTests.RunAsync(
            ["bench", .. TestPaths.ValFrames(2), "--interleave", "--repeat", "2", "--modes", "coarse,pointrend", "--scales", "1", "--markdown", table]).DefaultTimeout();

        Assert.Equal(0, exit);
        var text = await File.ReadAllTextAsync(table);
        Assert.Contains("interleaved frame by frame", text, StringComparison.Ordinal);
        Assert.Matches(@"\| coarse \| 1x \| 1 \| [^\n]*\| 0 / 172800 \(0\.0%\) \|", text);
        Assert.Matches(@"\| pointrend \| 1x \| 1 \| [^\n]*\| [1-9]\d* / 172800 ", text);
        Assert.Matches(@"- 1x, concurrency 1: pointrend p50 = \d+\.\d\d x coarse", text);
    }

    [Fact]
    public async Task Interleave_WithConcurrency_RefusedWithTheReason()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SegmentCommandTests.RunAsync(
            ["bench", .. TestPaths.ValFrames(1), "--interleave", "--concurrency", "2", "--repeat", "1", "--modes", "coarse,pointrend", "--scales", "1"]));

        Assert.Contains("--interleave times one unary call at a time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_WithoutServer_RefusedWithTheReason()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SegmentCommandTests.RunAsync(
            ["bench", .. TestPaths.ValFrames(1), "--stream", "--repeat", "1", "--modes", "coarse", "--scales", "1"]));

        Assert.Contains("--stream needs --server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstanceModel_TimesDetectorAndEveryMaskModeOnTheSameBoxes()
    {
        var table = Path.Combine(_dir, "instance.md");

        var exit = await SegmentCommandTests.RunAsync(
            ["bench", TestPaths.PennFudanImage("FudanPed00005"), "--model", "pennfudan", "--repeat", "1", "--detections", "2", "--markdown", table]).DefaultTimeout();

        Assert.Equal(0, exit);
        var text = await File.ReadAllTextAsync(table);
        Assert.Contains("2 detections per photo", text, StringComparison.Ordinal);
        Assert.Contains("| coarse 7x7 | 0 |", text, StringComparison.Ordinal);
        Assert.Contains("| grid 28x28 | 1568 |", text, StringComparison.Ordinal);
        Assert.Contains("| pointrend 224x224 | 6272 |", text, StringComparison.Ordinal);
        Assert.Contains("| dense 224x224 | 100352 |", text, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
