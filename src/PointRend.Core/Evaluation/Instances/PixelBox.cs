// Coordinates: image pixels, pixel-edge convention: pixel (y, x) covers [x, x + 1) x [y, y + 1), so a mask's tight
// box is (min column, min row, max column + 1, max row + 1), as training/pennfudan.py's mask_boxes.
namespace PointRend.Core.Evaluation.Instances;

/// <summary>An axis-aligned box (x0, y0) to (x1, y1) in image pixels.</summary>
public readonly record struct PixelBox(double X0, double Y0, double X1, double Y1)
{
    public double Width => Math.Max(0, X1 - X0);

    public double Height => Math.Max(0, Y1 - Y0);

    public double Area => Width * Height;

    /// <summary>COCO's [x, y, w, h].</summary>
    public static PixelBox FromCoco(double x, double y, double w, double h) => new(x, y, x + w, y + h);

    /// <summary>Intersection over union; 0 when the union is empty (areas without cocoapi's old +1).</summary>
    public static double IoU(PixelBox a, PixelBox b)
    {
        var w = Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0));
        var h = Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0));
        var inter = w * h;
        var union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }
}
