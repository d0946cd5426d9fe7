using System.Diagnostics;
using Google.Protobuf;
using PointRend.Cli.Evaluation;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Video;

/// <summary>One frame to send: a name for its overlay file and the image.</summary>
internal sealed record SourceFrame(string Name, Image Image);

/// <summary>Where the frames come from: a folder of PNG/JPEG files in name order, or a video file through ffmpeg.</summary>
internal interface IFrameSource : IAsyncDisposable
{
    /// <summary>The video's own frame rate; null for a folder.</summary>
    double? NativeFps { get; }

    /// <summary>The next frame, or null at the end.</summary>
    ValueTask<SourceFrame?> NextAsync(CancellationToken ct);
}

/// <summary>Encoded files sent as they are (the server decodes them); CamVid's sequences are video.</summary>
internal sealed class FolderFrames(IReadOnlyList<string> files, bool loop) : IFrameSource
{
    private int _next;

    public double? NativeFps => null;

    public async ValueTask<SourceFrame?> NextAsync(CancellationToken ct)
    {
        if (_next >= files.Count && !loop)
        {
            return null;
        }

        var file = files[_next++ % files.Count];
        var bytes = await File.ReadAllBytesAsync(file, ct);
        return new SourceFrame(Path.GetFileNameWithoutExtension(file), new Image { Encoded = UnsafeByteOperations.UnsafeWrap(bytes) });
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static FolderFrames Open(string folder, bool loop)
    {
        var files = ImageFiles.Expand([folder]);
        return files.Count == 0 ? throw new VideoException($"no PNG or JPEG frames in {folder}") : new FolderFrames(files, loop);
    }
}

/// <summary>
/// A video file decoded by ffmpeg into raw RGB24 frames read from its standard output and sent as RawImage: no
/// temporary files and no encode/decode on either side. Each frame's bytes are a fresh array handed to the message
/// without a copy (the message owns them until it is sent).
/// </summary>
internal sealed class FfmpegFrames : IFrameSource
{
    private readonly Process _decoder;
    private readonly Task<string> _errors;
    private readonly string _file;
    private readonly int _width;
    private readonly int _height;
    private int _next;

    private FfmpegFrames(Process decoder, string file, int width, int height, double fps)
    {
        _decoder = decoder;
        _errors = decoder.StandardError.ReadToEndAsync();
        _file = file;
        _width = width;
        _height = height;
        NativeFps = fps;
    }

    public double? NativeFps { get; }

    public static async Task<FfmpegFrames> OpenAsync(Ffmpeg ffmpeg, string file, bool loop, CancellationToken ct)
    {
        var (width, height, fps) = await ffmpeg.ProbeAsync(file, ct);
        return new FfmpegFrames(ffmpeg.StartDecoder(file, loop), file, width, height, fps);
    }

    public async ValueTask<SourceFrame?> NextAsync(CancellationToken ct)
    {
        var rgb = new byte[_width * _height * 3];
        var read = await _decoder.StandardOutput.BaseStream.ReadAtLeastAsync(rgb, rgb.Length, throwOnEndOfStream: false, ct);
        if (read < rgb.Length)
        {
            await _decoder.WaitForExitAsync(ct);
            if (_decoder.ExitCode != 0 || (_next == 0 && read == 0))
            {
                throw new VideoException($"ffmpeg could not decode '{_file}' (exit {_decoder.ExitCode}): {(await _errors).Trim()}");
            }

            return null; // the end (a partial last frame is not a frame)
        }

        var name = $"frame_{_next++:D6}";
        return new SourceFrame(name, new Image { Raw = new RawImage { Rgb = UnsafeByteOperations.UnsafeWrap(rgb), Width = _width, Height = _height } });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_decoder.HasExited)
        {
            _decoder.Kill();
        }

        await _decoder.WaitForExitAsync();
        _decoder.Dispose();
    }
}
