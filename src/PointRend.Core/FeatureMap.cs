// Shape shorthand: C channels, H x W map; Data[c * H * W + y * W + x] (CHW, row-major), or with ChannelsLast
// Data[(y * W + x) * C + c] (HWC).
// Coordinates: a map covers the whole image whatever its stride, so sampling is in normalised [0, 1].
namespace PointRend.Core;

/// <summary>A float map, row-major: CHW, Data[c * Height * Width + y * Width + x], unless <see cref="ChannelsLast"/>.</summary>
public readonly record struct FeatureMap(ReadOnlyMemory<float> Data, int Channels, int Height, int Width)
{
    /// <summary>Pixels per channel plane.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>
    /// HWC: Data[(y * Width + x) * Channels + c]. Only point sampling reads such a map (one contiguous run of
    /// channels per tap, where CHW costs a cache line per channel); the coarse logits stay CHW.
    /// </summary>
    public bool ChannelsLast { get; init; }
}
