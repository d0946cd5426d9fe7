using System.Diagnostics;
using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Imaging;
using PointRend.Inference;

namespace PointRend.Gateway.Tiling;

/// <summary>The stitched response: the outputs the caller selected, built from the whole label map.</summary>
public sealed partial class TiledSegmenter
{
    private static SegmentResponse Assemble(SegmentRequest request, RgbImage image, ModelManifest model, byte[] labels, byte[]? uncertainty,
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
        var none = selection is null || !(selection.ClassPng || selection.ClassRaw || selection.OverlayPng || selection.UncertaintyPng || selection.UncertaintyRaw);
        var encodeStart = Stopwatch.GetTimestamp();
        if (none || selection!.ClassPng)
        {
            response.ClassPng = UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeGrey(labels, image.Width, image.Height));
        }

        if (selection?.ClassRaw == true)
        {
            response.ClassRaw = UnsafeByteOperations.UnsafeWrap(labels); // the stitched map is not written again
        }

        if (selection?.OverlayPng == true)
        {
            var pixels = new byte[image.Pixels.Length];
            Overlays.Blend(labels, Overlays.Palette(model), image.Pixels, image.Width, image.Height, image.Width, image.Height, pixels, new int[image.Width]);
            response.OverlayPng = UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeRgb(pixels, image.Width, image.Height));
        }

        if (uncertainty is not null && selection!.UncertaintyPng)
        {
            response.UncertaintyPng = UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeGrey(uncertainty, image.Width, image.Height));
        }

        if (uncertainty is not null && selection!.UncertaintyRaw)
        {
            response.UncertaintyRaw = UnsafeByteOperations.UnsafeWrap(uncertainty);
        }

        response.Timings = new Timings
        {
            EncodeMs = Stopwatch.GetElapsedTime(encodeStart).TotalMilliseconds,
            TotalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
        return response;
    }
}
