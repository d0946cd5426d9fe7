using System.Diagnostics;
using Google.Protobuf;

namespace PointRend.Cli.Video;

/// <summary>
/// Where overlays go: one PNG per answered frame in the output folder and, when ffmpeg is there, <c>overlay.mp4</c>
/// encoded from the same PNGs through a pipe. A frame without a result (dropped, failed) repeats the last overlay in
/// the video, so it keeps the source's length and timing, as a live view would hold its last picture.
/// </summary>
internal sealed class OverlayOutput : IAsyncDisposable
{
    public const string VideoName = "overlay.mp4";

    private readonly string _folder;
    private readonly Process? _encoder;
    private readonly Task<string>? _encoderErrors;
    private ByteString? _last;

    public OverlayOutput(string folder, Ffmpeg? ffmpeg, double fps)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        if (ffmpeg is not null)
        {
            _encoder = ffmpeg.StartEncoder(Path.Combine(folder, VideoName), fps);
            _encoderErrors = _encoder.StandardError.ReadToEndAsync();
        }
    }

    public bool WritesVideo => _encoder is not null;

    public async Task WriteAsync(string name, ByteString overlayPng, CancellationToken ct)
    {
        _last = overlayPng;
        await using (var file = File.Create(Path.Combine(_folder, name + ".png")))
        {
            await file.WriteAsync(overlayPng.Memory, ct);
        }

        await EncodeAsync(overlayPng, ct);
    }

    /// <summary>A frame with no overlay: the video holds the previous one.</summary>
    public Task SkipAsync(CancellationToken ct) => _last is null ? Task.CompletedTask : EncodeAsync(_last, ct);

    private async Task EncodeAsync(ByteString png, CancellationToken ct)
    {
        if (_encoder is not null)
        {
            await _encoder.StandardInput.BaseStream.WriteAsync(png.Memory, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_encoder is null)
        {
            return;
        }

        _encoder.StandardInput.Close();
        await _encoder.WaitForExitAsync();
        var code = _encoder.ExitCode;
        var errors = await _encoderErrors!;
        _encoder.Dispose();
        if (code != 0)
        {
            throw new VideoException($"ffmpeg could not write {Path.Combine(_folder, VideoName)} (exit {code}): {errors.Trim()}");
        }
    }
}
