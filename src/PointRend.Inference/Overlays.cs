namespace PointRend.Inference;

/// <summary>
/// The pictures made from a label map, in one place for whole images (OutputEncoder) and stitched tiles
/// (TiledSegmenter): the colour overlay and the uncertainty bytes.
/// </summary>
public static class Overlays
{
    /// <summary>RGB triplets indexed by class id (768 bytes), so blending needs no per-pixel lookup object.</summary>
    public static byte[] Palette(ModelManifest manifest)
    {
        var palette = new byte[256 * 3];
        foreach (var c in manifest.Classes)
        {
            if (c.Id is >= 0 and < 256 && c.Color.Count == 3)
            {
                palette[c.Id * 3] = (byte)c.Color[0];
                palette[(c.Id * 3) + 1] = (byte)c.Color[1];
                palette[(c.Id * 3) + 2] = (byte)c.Color[2];
            }
        }

        return palette;
    }

    /// <summary>
    /// 50% blend of the input with each pixel's class colour into <paramref name="pixels"/> (w x h x 3); the input is
    /// sampled at the nearest pixel when its size differs from the labels'.
    /// </summary>
    public static void Blend(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> palette, ReadOnlySpan<byte> rgb, int inW, int inH, int w, int h,
        Span<byte> pixels, Span<int> columns)
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
    }

    /// <summary>255 * exp(top2 - top1) per pixel: 255 where the top two logits tie, towards 0 as the margin grows.</summary>
    public static void UncertaintyBytes(ReadOnlySpan<float> topTwoGap, Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp((int)MathF.Round(255f * MathF.Exp(Math.Min(0f, topTwoGap[i]))), 0, 255);
        }
    }
}
