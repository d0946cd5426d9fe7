using System.Diagnostics;
using PointRend.Testing;

namespace PointRend.Cli.Tests;

/// <summary>`pointrend video`: a folder of frames or a video file (through ffmpeg) as a camera over SegmentStream through a real gateway on loopback.</summary>
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

    [Fact]
    public async Task VideoFile_DecodedByFfmpeg_EveryFrameProcessed_OverlayFramesAndVideoWritten()
    {
        await using var server = await GatewayServer.StartAsync();
        var video = await TinyVideoAsync(frames: 4);

        var exit = await SegmentCommandTests.RunAsync(
            ["video", video, "--server", server.Address, "--fps", "20", "--policy", "all", "--mode", "coarse", "--out", _out]).DefaultTimeout();

        Assert.Equal(0, exit);
        var written = Directory.GetFiles(_out, "*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"frame_{i:D6}.png"), written);
        var overlay = StbImageSharp.ImageInfo.FromStream(File.OpenRead(Path.Combine(_out, "frame_000003.png")))!.Value;
        Assert.Equal((480, 360, StbImageSharp.ColorComponents.RedGreenBlue), (overlay.Width, overlay.Height, overlay.ColorComponents));
        // The overlay video has the source's frames and size.
        Assert.Equal("480,360,4", (await RunAsync("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", Path.Combine(_out, "overlay.mp4"))).Trim());
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task VideoFile_FfmpegMissing_ExitCode2AndAMessageSayingWhatToInstall()
    {
        var video = Path.Combine(_frames, "clip.mp4");
        await File.WriteAllBytesAsync(video, [0, 0, 0, 0x18]);
        var stderr = new StringWriter();
        var before = Console.Error;
        Console.SetError(stderr);
        int exit;
        try
        {
            exit = await SegmentCommandTests.RunAsync(
                ["video", video, "--server", "http://127.0.0.1:9", "--ffmpeg", Path.Combine(_frames, "no-ffmpeg-here"), "--out", _out]).DefaultTimeout();
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.Equal(2, exit);
        Assert.Contains("apt-get install ffmpeg", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_out));
    }

    /// <summary>A short MPEG-4 clip of consecutive CamVid val frames, made by ffmpeg (installed by .ci/run).</summary>
    private async Task<string> TinyVideoAsync(int frames)
    {
        var stills = Directory.CreateDirectory(Path.Combine(_frames, "stills")).FullName;
        foreach (var (frame, i) in TestPaths.ValFrames(frames).Select((f, i) => (f, i)))
        {
            File.Copy(frame, Path.Combine(stills, $"{i:D2}.png"));
        }

        var video = Path.Combine(_frames, "tiny.mp4");
        await RunAsync("ffmpeg", "-v", "error", "-framerate", "10", "-i", Path.Combine(stills, "%02d.png"), "-c:v", "mpeg4", "-q:v", "2", "-pix_fmt", "yuv420p", video);
        return video;
    }

    private static async Task<string> RunAsync(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ToList().ForEach(info.ArgumentList.Add);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().DefaultTimeout();
        Assert.True(process.ExitCode == 0, $"{exe} {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
        return await output;
    }

    public void Dispose()
    {
        Directory.Delete(_frames, recursive: true);
        Directory.Delete(_out, recursive: true);
    }
}
