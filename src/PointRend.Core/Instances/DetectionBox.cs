// Coordinates: (X0, Y0, X1, Y1) in pixels of the image the box refers to, pixel-edge convention: pixel (i, j)
// covers [j, j + 1) x [i, i + 1), so a box's width is X1 - X0 (docs/model-contract.md, instance models).
namespace PointRend.Core.Instances;

/// <summary>A detection's box, corners in pixels.</summary>
public readonly record struct DetectionBox(float X0, float Y0, float X1, float Y1)
{
    public float Width => X1 - X0;

    public float Height => Y1 - Y0;

    /// <summary>
    /// Model-input box to photo box as detectron2's detector_postprocess: x times photoWidth / inputWidth (the ratio
    /// rounded to float once, as torch multiplies by a float tensor), y likewise, then clipped to the photo.
    /// </summary>
    public DetectionBox Rescale(int inputWidth, int inputHeight, int photoWidth, int photoHeight)
    {
        float sx = (float)((double)photoWidth / inputWidth);
        float sy = (float)((double)photoHeight / inputHeight);
        return new DetectionBox(
            Math.Clamp(X0 * sx, 0f, photoWidth),
            Math.Clamp(Y0 * sy, 0f, photoHeight),
            Math.Clamp(X1 * sx, 0f, photoWidth),
            Math.Clamp(Y1 * sy, 0f, photoHeight));
    }
}
