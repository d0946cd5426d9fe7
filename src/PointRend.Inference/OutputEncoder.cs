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
        var wantPng = selection is null || !(selection.ClassPng || selection.ClassRaw || selection.OverlayPng || selection.UncertaintyPng) || selection.ClassPng;
        int w = render.Width, h = render.Height, n = w * h;
        var labels = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var labelSpan = labels.AsSpan(0, n);
            LabelMaps.Argmax(render.Logits, render.Classes, n, labelSpan);
            if (wantPng)
            {
                response.ClassPng = ByteString.CopyFrom(PngEncoder.EncodeGrey(labelSpan, w, h).Span);
            }

            if (selection?.ClassRaw == true)
            {
                response.ClassRaw = ByteString.CopyFrom(labelSpan);
            }

            if (selection?.OverlayPng == true)
            {
                response.OverlayPng = Overlay(labelSpan, model.Palette, rgb, inW, inH, w, h);
            }

            if (selection?.UncertaintyPng == true)
            {
                response.UncertaintyPng = Uncertainty(render, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(labels);
        }
    }

    /// <summary>255 * exp(top2 - top1): 255 where the top two logits tie, towards 0 as the margin grows.</summary>
    private static ByteString Uncertainty(RenderResult render, int n)
    {
        var u = ArrayPool<float>.Shared.Rent(n);
        var bytes = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            LabelMaps.Uncertainty(render.Logits, render.Classes, n, u.AsSpan(0, n));
            for (var i = 0; i < n; i++)
            {
                bytes[i] = (byte)Math.Clamp((int)MathF.Round(255f * MathF.Exp(Math.Min(0f, u[i]))), 0, 255);
            }

            return ByteString.CopyFrom(PngEncoder.EncodeGrey(bytes.AsSpan(0, n), render.Width, render.Height).Span);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(u);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>50% blend of the input (nearest pixel when sizes differ) with each pixel's class colour.</summary>
    private static ByteString Overlay(ReadOnlySpan<byte> labels, byte[] palette, ReadOnlySpan<byte> rgb, int inW, int inH, int w, int h)
    {
        var pixels = ArrayPool<byte>.Shared.Rent(w * h * 3);
        var columns = ArrayPool<int>.Shared.Rent(w);
        try
        {
            for (var x = 0; x < w; x++)
            {
                columns[x] = Math.Min((int)((x + 0.5) * inW / w), inW - 1) * 3;
            }

            for (var y = 0; y < h; y++)
            {
                var srcRow = Math.Min((int)((y + 0.5) * inH / h), inH - 1) * inW * 3;
                for (var x = 0; x < w; x++)
                {
                    var o = ((y * w) + x) * 3;
                    var s = srcRow + columns[x];
                    var c = labels[(y * w) + x] * 3;
                    pixels[o] = (byte)((rgb[s] + palette[c] + 1) >> 1);
                    pixels[o + 1] = (byte)((rgb[s + 1] + palette[c + 1] + 1) >> 1);
                    pixels[o + 2] = (byte)((rgb[s + 2] + palette[c + 2] + 1) >> 1);
                }
            }

            return ByteString.CopyFrom(PngEncoder.EncodeRgb(pixels.AsSpan(0, w * h * 3), w, h).Span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
            ArrayPool<int>.Shared.Return(columns);
        }
    }
}
