using System.CommandLine;
using PointRend.Cli.Commands;
using PointRend.Imaging;
using PointRend.Testing;
using StbImageSharp;

namespace PointRend.Cli.Tests;

/// <summary>`pointrend segment` through a real gateway on loopback and in-process must write the same label maps.</summary>
[Collection(ProgressDisplayCollection.Name)]
public sealed class SegmentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pointrend-cli-").FullName;

    [Fact]
    public async Task InProcessAndServerWriteIdenticalLabelMaps()
    {
        var frames = TestPaths.ValFrames(3);
        await using var server = await GatewayServer.StartAsync();
        var local = Path.Combine(_dir, "local");
        var remote = Path.Combine(_dir, "remote");

        Assert.Equal(0, await RunAsync(["segment", .. frames, "--out", local, "--overlay"]).DefaultTimeout());
        Assert.Equal(0, await RunAsync(["segment", .. frames, "--out", remote, "--server", server.Address]).DefaultTimeout());

        foreach (var frame in frames)
        {
            var name = Path.GetFileName(frame);
            var a = ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(local, name)), ColorComponents.Grey);
            var b = ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(remote, name)), ColorComponents.Grey);
            Assert.Equal((480, 360), (a.Width, a.Height));
            Assert.Equal(a.Data, b.Data);
            Assert.All(a.Data, v => Assert.InRange(v, 0, 10));
            Assert.True(File.Exists(Path.Combine(local, Path.GetFileNameWithoutExtension(name) + "_overlay.png")));
        }
    }

    [Fact]
    public async Task MissingInputFailsWithoutWritingAnything()
    {
        var outDir = Path.Combine(_dir, "none");
        await Assert.ThrowsAsync<FileNotFoundException>(() => RunAsync(["segment", Path.Combine(_dir, "nope.png"), "--out", outDir]));
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFiles(outDir).Any());
    }

    internal static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand { SegmentCommand.Create(), EvalCommand.Create(), BenchCommand.Create(), FairnessCommand.Create(), VideoCommand.Create(), FigureCommand.Create() };
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        return root.Parse(args).InvokeAsync(config);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>An in-process refusal reaches the user as one line with its reason, not as a stack trace.</summary>
[Collection(ProgressDisplayCollection.Name)]
public sealed class InProcessRefusalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pointrend-cli-refusal-").FullName;

    [Fact]
    public async Task ImageOverTheSideLimit_PrintsTheReasonAndTheWayOut()
    {
        // One row wider than Inference:MaxImageSide (16384) by default: refused before any decoding cost.
        var frame = Path.Combine(_dir, "wide.png");
        File.WriteAllBytes(frame, PngEncoder.EncodeGrey(new byte[16385], 16385, 1).ToArray());
        var error = new StringWriter();

        var code = await CliApp.RunAsync(["segment", frame, "--out", Path.Combine(_dir, "out")], error).DefaultTimeout();

        var text = error.ToString();
        Assert.Equal(1, code);
        Assert.Contains("refused: INVALID_ARGUMENT (ImageTooLarge)", text);
        Assert.Contains("--server", text);
        Assert.DoesNotContain("   at ", text);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
