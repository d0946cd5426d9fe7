using System.Diagnostics;
using System.Globalization;

namespace PointRend.Cli.Video;

/// <summary>
/// The ffmpeg and ffprobe executables (Debian package <c>ffmpeg</c>), run as child processes over pipes: raw RGB24
/// frames out of a decoder, PNG overlays into an encoder. No temporary files.
/// </summary>
internal sealed class Ffmpeg
{
    private static readonly string[] LoopForever = ["-stream_loop", "-1"];

    private Ffmpeg(string ffmpeg, string ffprobe)
    {
        Executable = ffmpeg;
        Probe = ffprobe;
    }

    public string Executable { get; }

    private string Probe { get; }

    /// <summary>The ffmpeg named by <paramref name="nameOrPath"/> (a path, or a name looked up on PATH) and the
    /// ffprobe beside it or on PATH; null when either is missing.</summary>
    public static Ffmpeg? Find(string nameOrPath)
    {
        var ffmpeg = Locate(nameOrPath);
        if (ffmpeg is null)
        {
            return null;
        }

        var beside = Path.Combine(Path.GetDirectoryName(ffmpeg)!, "ffprobe");
        var ffprobe = File.Exists(beside) ? beside : Locate("ffprobe");
        return ffprobe is null ? null : new Ffmpeg(ffmpeg, ffprobe);
    }

    public static string MissingMessage(string nameOrPath) =>
        $"ffmpeg was not found ('{nameOrPath}', with ffprobe beside it or on PATH): install it (Debian/Ubuntu: apt-get install ffmpeg) " +
        "or pass --ffmpeg PATH";

    /// <summary>Width, height and frame rate of the first video stream.</summary>
    /// <exception cref="VideoException">ffprobe cannot read the file or finds no video stream.</exception>
    public async Task<(int Width, int Height, double Fps)> ProbeAsync(string file, CancellationToken ct)
    {
        var (code, output, error) = await RunAsync(Probe, ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate", "-of", "csv=p=0", file], ct);
        var fields = output.Trim().Split(',');
        if (code != 0 || fields.Length < 3 || !int.TryParse(fields[0], out var width) || !int.TryParse(fields[1], out var height))
        {
            throw new VideoException($"ffprobe could not read a video stream from '{file}': {(error.Length > 0 ? error.Trim() : "no video stream")}");
        }

        return (width, height, Rate(fields[2]));
    }

    /// <summary>Decodes <paramref name="file"/> to raw RGB24 frames on standard output, looping it when asked.</summary>
    public Process StartDecoder(string file, bool loop) => Start(
        [.. loop ? LoopForever : [], "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], redirectInput: false);

    /// <summary>Encodes PNG images written to standard input into <paramref name="output"/> at <paramref name="fps"/>.
    /// MPEG-4 Part 2 because every ffmpeg build has its encoder (libx264 is optional); even sizes for yuv420p.</summary>
    public Process StartEncoder(string output, double fps) => Start(
        ["-y", "-f", "image2pipe", "-framerate", fps.ToString("0.###", CultureInfo.InvariantCulture), "-c:v", "png", "-i", "-",
            "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "mpeg4", "-q:v", "3", "-pix_fmt", "yuv420p", output],
        redirectInput: true);

    private Process Start(string[] args, bool redirectInput)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = !redirectInput,
            RedirectStandardInput = redirectInput,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] quiet = redirectInput ? ["-v", "error"] : ["-v", "error", "-nostdin"];
        foreach (var arg in (string[])[.. quiet, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new VideoException($"could not start {Executable}");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string exe, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new VideoException($"could not start {exe}");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output, await error);
    }

    private static double Rate(string fraction)
    {
        var parts = fraction.Split('/');
        return parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var n) && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) && d > 0 && n > 0
            ? n / d
            : 25;
    }

    private static string? Locate(string nameOrPath)
    {
        if (nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(nameOrPath) ? Path.GetFullPath(nameOrPath) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, nameOrPath))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>A video source or output that cannot be used; the message is for the user.</summary>
internal sealed class VideoException(string message) : Exception(message);
