using System.Diagnostics;
using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Imaging;
using PointRend.Inference;

namespace PointRend.Gateway.Tiling;

/// <summary>The stitched response: the outputs the caller selected, built from the whole label map.</summary>
public sealed partial class TiledSegmenter
{
    private SegmentResponse Assemble(SegmentRequest request, RgbImage image, ModelManifest model, byte[] labels, byte[]? uncertainty,
        SegmentResponse first, bool allHits, int points, int tiles, long start)
    {
        var selection = request.Options?.Outputs;
        var response = new SegmentResponse
        {
            CorrelationId = request.CorrelationId,
            Model = first.Model,
            ModelVersion = first.ModelVersion,
            Width = image.Width,
            Height = image.Height,
            PointsRefined = points,
            CacheHit = allHits,
            Tiles = tiles,
        };
        var none = selection is null || !(selection.ClassPng || selection.ClassRaw || selection.OverlayPng || selection.UncertaintyPng);
        var encodeStart = Stopwatch.GetTimestamp();
        if (none || selection!.ClassPng)
        {
            response.ClassPng = ByteString.CopyFrom(PngEncoder.EncodeGrey(labels, image.Width, image.Height).Span);
        }

        if (selection?.ClassRaw == true)
        {
            response.ClassRaw = ByteString.CopyFrom(labels);
        }

        if (selection?.OverlayPng == true)
        {
            response.OverlayPng = ByteString.CopyFrom(PngEncoder.EncodeRgb(Overlay(labels, image.Pixels, model), image.Width, image.Height).Span);
        }

        if (uncertainty is not null)
        {
            response.UncertaintyPng = ByteString.CopyFrom(PngEncoder.EncodeGrey(uncertainty, image.Width, image.Height).Span);
        }

        response.Timings = new Timings
        {
            EncodeMs = Stopwatch.GetElapsedTime(encodeStart).TotalMilliseconds,
            TotalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
        return response;
    }

    /// <summary>Same 50% blend as the pipeline's overlay, from the model's class colours.</summary>
    private static byte[] Overlay(byte[] labels, byte[] rgb, ModelManifest model)
    {
        var palette = new byte[256 * 3];
        foreach (var c in model.Classes)
        {
            palette[(c.Id * 3) + 0] = (byte)(c.ColorRgb >> 16);
            palette[(c.Id * 3) + 1] = (byte)(c.ColorRgb >> 8);
            palette[(c.Id * 3) + 2] = (byte)c.ColorRgb;
        }

        var pixels = new byte[rgb.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            var c = labels[i] * 3;
            for (var k = 0; k < 3; k++)
            {
                pixels[(i * 3) + k] = (byte)((rgb[(i * 3) + k] + palette[c + k] + 1) >> 1);
            }
        }

        return pixels;
    }

    private static byte[] Red(byte[] rgb)
    {
        var grey = new byte[rgb.Length / 3];
        for (var i = 0; i < grey.Length; i++)
        {
            grey[i] = rgb[i * 3];
        }

        return grey;
    }
}
