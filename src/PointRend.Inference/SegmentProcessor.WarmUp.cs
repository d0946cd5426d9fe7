using System.Diagnostics;
using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Imaging;

namespace PointRend.Inference;

public sealed partial class SegmentProcessor
{
    private const int WarmupWidth = 480;
    private const int WarmupHeight = 360;

    /// <summary>
    /// Runs Inference:WarmupFrames synthetic PNG frames through every model, PointRend mode, default outputs: the
    /// whole path a request takes (probe, decode, both networks, refinement, encode), so the first real requests meet
    /// optimised code and grown ONNX Runtime arenas. Returns the number of frames run.
    /// </summary>
    public int WarmUp(CancellationToken cancellationToken)
    {
        var frames = _options.WarmupFrames;
        if (frames <= 0)
        {
            return 0;
        }

        var image = new Image { Encoded = ByteString.CopyFrom(PngEncoder.EncodeRgb(SyntheticFrame(), WarmupWidth, WarmupHeight).Span) };
        var run = 0;
        var requests = Catalog.Models.Select(m => (m.Name, new SegmentOptions { Model = m.Name, Mode = Contracts.V1.RenderMode.Pointrend }))
            .Concat(Catalog.InstanceModels.Select(m => (m.Name, new SegmentOptions { Model = m.Name })));
        foreach (var (name, options) in requests)
        {
            // A synthetic frame has no people: for instance models this warms decode and the detector, not the point head.
            var request = new SegmentRequest
            {
                CorrelationId = $"warmup-{name}",
                Image = image,
                Options = options,
            };
            var start = Stopwatch.GetTimestamp();
            var last = start;
            for (var i = 0; i < frames; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                last = Stopwatch.GetTimestamp();
                Process(request, cancellationToken);
                run++;
            }

            InferenceLog.WarmedUp(_logger, name, frames, Stopwatch.GetElapsedTime(start).TotalMilliseconds, Stopwatch.GetElapsedTime(last).TotalMilliseconds);
        }

        return run;
    }

    /// <summary>Large flat regions with straight and curved boundaries, so refinement has uncertain cells to pick.</summary>
    private static byte[] SyntheticFrame()
    {
        var rgb = new byte[WarmupWidth * WarmupHeight * 3];
        for (var y = 0; y < WarmupHeight; y++)
        {
            for (var x = 0; x < WarmupWidth; x++)
            {
                var sky = y < WarmupHeight / 3;
                var road = y > 2 * WarmupHeight / 3;
                var disc = (x - 320) * (x - 320) + (y - 180) * (y - 180) < 60 * 60;
                var (r, g, b) = disc ? (200, 40, 40) : sky ? (130, 170, 220) : road ? (90, 90, 95) : (60, 120 + (x & 31), 50);
                var o = (y * WarmupWidth + x) * 3;
                rgb[o] = (byte)r;
                rgb[o + 1] = (byte)g;
                rgb[o + 2] = (byte)b;
            }
        }

        return rgb;
    }
}
