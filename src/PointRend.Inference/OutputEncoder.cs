using System.Buffers;
using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Core;
using PointRend.Imaging;

namespace PointRend.Inference;

/// <summary>Labels, uncertainty and overlay from rendered logits, over pooled buffers.</summary>
internal static class OutputEncoder
{
    public static void Encode(OutputSelection? selection, LoadedModel model, RenderResult render, ReadOnlySpan<byte> rgb, int inW, int inH, SegmentResponse response)
    {
        var wantPng = selection is null || !(selection.ClassPng || selection.ClassRaw || selection.OverlayPng || selection.UncertaintyPng || selection.UncertaintyRaw)
            || selection.ClassPng;
        int w = render.Width, h = render.Height, n = w * h;
        var labels = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var labelSpan = labels.AsSpan(0, n);
            // A PointRend render already has its labels; the K x H x W logits are only built for the uncertainty map.
            render.CopyLabels(labelSpan);
            if (wantPng)
            {
                // The encoder's buffer is referenced by nothing else, so it is wrapped rather than copied.
                response.ClassPng = UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeGrey(labelSpan, w, h));
            }

            if (selection?.ClassRaw == true)
            {
                response.ClassRaw = ByteString.CopyFrom(labelSpan);
            }

            if (selection?.OverlayPng == true)
            {
                response.OverlayPng = Overlay(labelSpan, model.Palette, rgb, inW, inH, w, h);
            }

            if (selection?.UncertaintyPng == true || selection?.UncertaintyRaw == true)
            {
                Uncertainty(render, n, selection, response);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(labels);
        }
    }

    private static void Uncertainty(RenderResult render, int n, OutputSelection selection, SegmentResponse response)
    {
        var u = ArrayPool<float>.Shared.Rent(n);
        var bytes = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            LabelMaps.Uncertainty(render.Logits, render.Classes, n, u.AsSpan(0, n));
            Overlays.UncertaintyBytes(u.AsSpan(0, n), bytes.AsSpan(0, n));
            if (selection.UncertaintyPng)
            {
                response.UncertaintyPng = UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeGrey(bytes.AsSpan(0, n), render.Width, render.Height));
            }

            if (selection.UncertaintyRaw)
            {
                response.UncertaintyRaw = ByteString.CopyFrom(bytes.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(u);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static ByteString Overlay(ReadOnlySpan<byte> labels, byte[] palette, ReadOnlySpan<byte> rgb, int inW, int inH, int w, int h)
    {
        var pixels = ArrayPool<byte>.Shared.Rent(w * h * 3);
        var columns = ArrayPool<int>.Shared.Rent(w);
        try
        {
            Overlays.Blend(labels, palette, rgb, inW, inH, w, h, pixels, columns);
            return UnsafeByteOperations.UnsafeWrap(PngEncoder.EncodeRgb(pixels.AsSpan(0, w * h * 3), w, h));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
            ArrayPool<int>.Shared.Return(columns);
        }
    }
}
