using PointRend.Testing;

namespace PointRend.Cli.Tests;

/// <summary>`pointrend video`: a folder of frames as a camera over SegmentStream through a real gateway on loopback.</summary>
public sealed class VideoCommandTests : IDisposable
{
    private readonly string _frames = Directory.CreateTempSubdirectory("pointrend-video-in-").FullName;
    private readonly string _out = Directory.CreateTempSubdirectory("pointrend-video-out-").FullName;

    [Fact]
    public async Task FolderOfFrames_PolicyAll_EveryFrameProcessedAndItsOverlayWritten()
    {
        await using var server = await GatewayServer.StartAsync();
        foreach (var frame in TestPaths.ValFrames(3))
        {
            File.Copy(frame, Path.Combine(_frames, Path.GetFileName(frame)));
        }

        var exit = await SegmentCommandTests.RunAsync(
            ["video", _frames, "--server", server.Address, "--fps", "20", "--policy", "all", "--mode", "coarse", "--out", _out]).DefaultTimeout();

        Assert.Equal(0, exit);
        var written = Directory.GetFiles(_out, "*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(TestPaths.ValFrames(3).Select(Path.GetFileName), written);
        var overlay = StbImageSharp.ImageInfo.FromStream(File.OpenRead(Directory.GetFiles(_out)[0]))!.Value;
        Assert.Equal((480, 360, StbImageSharp.ColorComponents.RedGreenBlue), (overlay.Width, overlay.Height, overlay.ColorComponents));
        server.AssertNoUnexpectedErrors();
    }

    public void Dispose()
    {
        Directory.Delete(_frames, recursive: true);
        Directory.Delete(_out, recursive: true);
    }
}
