using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using PointRend.Cli.Backends;
using PointRend.Cli.Video;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>pointrend video SOURCE</c>: plays a folder of frames (in name order: CamVid's sequences are video) or a video
/// file (decoded by ffmpeg through a pipe) into SegmentStream like a camera at --fps, with a stream policy, and reports
/// what a live client sees: frames in and out per second, latency from capture to result (p50, p99), degraded,
/// dropped and failed frames, on a live status line. --out writes the overlays, and overlay.mp4 when ffmpeg is there.
/// </summary>
public static class VideoCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "folder of frames (played in name order) or a video file (read through ffmpeg)" };
        var server = new ServerOptions(required: true, description: "gateway URL");
        var fps = new Option<double?>("--fps") { Description = "frames per second written, like a camera (0 = as fast as the stream accepts; default: the video's rate, 25 for a folder)" };
        var policy = new Option<string>("--policy") { Description = "all (every frame, sender slowed) or latest (drop unstarted older frames)", DefaultValueFactory = _ => "latest" };
        policy.AcceptOnlyFromAmong("all", "latest");
        var maxAge = new Option<double>("--max-age-ms") { Description = "drop frames older than this when they could start (0 = no limit)" };
        var maxWaiting = new Option<int>("--max-waiting") { Description = "policy all: frames the server may hold waiting; more are dropped as overflow (0 = the sender is slowed instead)" };
        var degrade = new Option<bool>("--degrade") { Description = "under overload get the coarse prediction instead of a drop (FRAME_STATUS_DEGRADED)" };
        var progressive = new Option<bool>("--progressive") { Description = "ask for the coarse mask first, then the refined one (reports how soon the coarse one came)" };
        var limit = new Option<int>("--limit") { Description = "play the first N frames (0 = all)" };
        var loop = new Option<bool>("--loop") { Description = "play the source again from its start until --limit frames were sent" };
        var streams = new Option<int>("--streams") { Description = "streams played at once, each its own SegmentStream (overlays come from the first)", DefaultValueFactory = _ => 1 };
        var mode = CommonOptions.ModeOption();
        var output = new Option<string?>("--out") { Description = "write an overlay PNG per answered frame into this folder, and overlay.mp4 when ffmpeg is there" };
        var ffmpegPath = new Option<string>("--ffmpeg") { Description = "ffmpeg executable (name on PATH or a path; ffprobe beside it or on PATH)", DefaultValueFactory = _ => "ffmpeg" };
        var command = new Command("video", "Stream a folder of frames or a video file like a live camera and report latency, drops and degraded frames")
        {
            source, fps, policy, maxAge, maxWaiting, degrade, progressive, limit, loop, streams, mode, output, ffmpegPath,
        };
        server.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(source)!;
            var ffmpeg = Ffmpeg.Find(result.GetValue(ffmpegPath)!);
            var isVideo = !Directory.Exists(path);
            if (isVideo && !File.Exists(path))
            {
                Console.Error.WriteLine($"source '{path}' is neither a folder of frames nor a video file");
                return 2;
            }

            if (isVideo && ffmpeg is null)
            {
                Console.Error.WriteLine($"'{path}' is a file, so it is read as a video, and {Ffmpeg.MissingMessage(result.GetValue(ffmpegPath)!)}; " +
                    "or pass a folder of PNG/JPEG frames");
                return 2;
            }

            var outDir = result.GetValue(output);
            var config = Config(result.GetValue(policy)!, CommonOptions.ParseMode(result.GetValue(mode)!), outDir is not null, result.GetValue(maxAge),
                result.GetValue(maxWaiting), result.GetValue(degrade), result.GetValue(progressive));
            var settings = new Settings(path, isVideo ? ffmpeg : null, result.GetValue(loop), result.GetValue(limit), result.GetValue(fps));
            try
            {
                await using var backend = new GrpcBackend(server.ToConnection(result)!);
                var stats = new StreamStats();
                await PlayAsync(backend, settings, config, Math.Max(1, result.GetValue(streams)), stats, outDir, ffmpeg, ct);
                Console.WriteLine(stats.Line());
                return 0;
            }
            catch (VideoException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }

    private static StreamConfig Config(string policy, RenderMode mode, bool overlays, double maxAgeMs, int maxWaiting, bool degrade, bool progressive)
    {
        var config = new StreamConfig
        {
            Policy = policy == "all" ? StreamPolicy.All : StreamPolicy.Latest,
            Options = new SegmentOptions { Mode = mode, Outputs = new OutputSelection { OverlayPng = overlays, ClassRaw = !overlays } },
            MaxWaiting = maxWaiting,
            Degrade = degrade,
            Progressive = progressive,
        };
        if (maxAgeMs > 0)
        {
            config.MaxAge = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(maxAgeMs));
        }

        return config;
    }

    private static async Task PlayAsync(
        GrpcBackend backend, Settings settings, StreamConfig config, int streams, StreamStats stats, string? outDir, Ffmpeg? ffmpeg, CancellationToken ct)
    {
        var sources = new List<IFrameSource>();
        OverlayOutput? output = null;
        using var status = new CancellationTokenSource();
        var live = LiveLineAsync(stats, status.Token);
        try
        {
            for (var i = 0; i < streams; i++)
            {
                sources.Add(await settings.OpenAsync(ct));
            }

            var fps = settings.Fps ?? sources[0].NativeFps ?? 25;
            if (outDir is not null)
            {
                output = new OverlayOutput(outDir, ffmpeg, fps > 0 ? fps : 25);
                if (!output.WritesVideo)
                {
                    Console.Error.WriteLine($"{Ffmpeg.MissingMessage("ffmpeg")}: writing overlay frames only, no {OverlayOutput.VideoName}");
                }
            }

            await Task.WhenAll(sources.Select((s, i) => StreamPlayer.PlayAsync(backend, s, config, fps, settings.Limit, stats, i == 0 ? output : null, ct)));
        }
        finally
        {
            await status.CancelAsync();
            await live;
            foreach (var s in sources)
            {
                await s.DisposeAsync();
            }

            if (output is not null)
            {
                await output.DisposeAsync();
            }
        }
    }

    /// <summary>Rewritten in place on a terminal; a line a second when stderr goes to a file or a pipe.</summary>
    private static async Task LiveLineAsync(StreamStats stats, CancellationToken ct)
    {
        var terminal = !Console.IsErrorRedirected;
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await tick.WaitForNextTickAsync(ct))
            {
                Console.Error.Write(terminal ? $"\r{stats.Line()}\u001b[K" : stats.Line() + Environment.NewLine);
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (terminal)
        {
            Console.Error.WriteLine();
        }
    }

    private sealed record Settings(string Path, Ffmpeg? Video, bool Loop, int Limit, double? Fps)
    {
        public async Task<IFrameSource> OpenAsync(CancellationToken ct) =>
            Video is null ? FolderFrames.Open(Path, Loop) : await FfmpegFrames.OpenAsync(Video, Path, Loop, ct);
    }
}
