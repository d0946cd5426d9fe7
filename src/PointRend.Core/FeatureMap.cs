// Shape shorthand: C channels, H x W map; Data[c * H * W + y * W + x] (CHW, row-major).
// Coordinates: a map covers the whole image whatever its stride, so sampling is in normalised [0, 1].
namespace PointRend.Core;

/// <summary>A CHW float map, row-major: Data[c * Height * Width + y * Width + x].</summary>
public readonly record struct FeatureMap(ReadOnlyMemory<float> Data, int Channels, int Height, int Width)
{
    /// <summary>Pixels per channel plane.</summary>
    public int PlaneSize => Height * Width;
}
