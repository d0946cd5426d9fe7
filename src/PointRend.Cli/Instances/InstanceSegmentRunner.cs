using System.Buffers;
using PointRend.Imaging;
using PointRend.Inference;

namespace PointRend.Cli.Instances;

/// <summary>
/// <c>pointrend segment</c> for instance models: per image NAME.json (COCO results), NAME.png (instance ids: 0 =
/// background, k = detection k in score order) and, asked for, NAME_overlay.png.
/// </summary>
public static class InstanceSegmentRunner
{
    private static readonly ImageLimits Limits = new(1L << 26, 16384);

    public static async Task<InstancePrediction> SegmentOneAsync(
        IInstanceBackend backend, string file, string outDir, InstanceRequest request, bool overlay, CancellationToken ct)
    {
        var encoded = await File.ReadAllBytesAsync(file, ct);
        var prediction = await backend.SegmentAsync(encoded, request, ct);
        var stem = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file));
        var results = prediction.Instances.Select(d => CocoResult.From(d.ClassId, d.Score, d.Box, d.Mask));
        await File.WriteAllBytesAsync(stem + ".json", CocoResults.ToJson(results), ct);

        int w = prediction.Width, h = prediction.Height, n = w * h;
        var ids = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            Draw(prediction, ids.AsSpan(0, n));
            await File.WriteAllBytesAsync(stem + ".png", PngEncoder.EncodeGrey(ids.AsSpan(0, n), w, h).ToArray(), ct);
            if (overlay)
            {
                var photo = ImageDecoder.DecodeRgb8(encoded, Limits);
                var pixels = new byte[3 * n];
                InstancePictures.Overlay(ids.AsSpan(0, n), photo.Pixels, w, h, pixels);
                await File.WriteAllBytesAsync(stem + "_overlay.png", PngEncoder.EncodeRgb(pixels, w, h).ToArray(), ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ids);
        }

        return prediction;
    }

    /// <summary>
    /// The instance-id map of a prediction (ids 1..n in order; earlier detections keep shared pixels; detections past
    /// 255 are left out, as the API's instance_id_png).
    /// </summary>
    public static void Draw(InstancePrediction prediction, Span<byte> ids)
    {
        ids.Clear();
        for (var k = 0; k < Math.Min(prediction.Instances.Count, InstancePictures.MaxInstances); k++)
        {
            var m = prediction.Instances[k].Mask;
            InstancePictures.Stamp(ids, prediction.Width, prediction.Height, (byte)(k + 1), m.Pixels, m.X, m.Y, m.Width, m.Height);
        }
    }
}
