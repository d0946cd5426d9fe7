// Shape shorthand: C channels, H x W = the model input's H / Stride x W / Stride.
// Coordinates: map pixel (y, x) is centred at model-input pixel ((y + 0.5) Stride, (x + 0.5) Stride).
namespace PointRend.Core.Instances;

/// <summary>A fine feature map of the instance detector with its stride against the model input.</summary>
public readonly record struct StridedMap(FeatureMap Map, int Stride);
