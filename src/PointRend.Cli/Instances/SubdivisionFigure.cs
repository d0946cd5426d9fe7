// Shape shorthand: an h x w photo; one detection's m x m mask logits over its box; panels P_h x P_w RGB.
// Coordinates: a panel shows the detection's box stretched to the panel; box-relative (u, v) in [0, 1]^2, mask cell
// (floor(v m), floor(u m)); a chosen cell c of an S x S step grid is drawn at its centre ((c % S + 0.5) / S, (c / S + 0.5) / S).
using Microsoft.ML.OnnxRuntime;
using PointRend.Core.Instances;
using PointRend.Imaging;
using PointRend.Inference;
using PointRend.Inference.Instances;

namespace PointRend.Cli.Instances;

/// <summary>
/// The paper's subdivision figure for one detection: the photo with the box, then the mask as the coarse 7x7 logits,
/// the point head's 28x28 grid, and after each subdivision step (56, 112, 224) with the points chosen at that step.
/// </summary>
public static class SubdivisionFigure
{
    private const int Gap = 4;
    private static readonly byte[] PointColour = [255, 32, 32];

    /// <returns>The figure as an RGB PNG.</returns>
    public static byte[] Render(InstanceModel model, RgbImage photo, int detection, int panelHeight)
    {
        using var runOptions = new RunOptions();
        using var detected = InstanceDetector.Run(model, photo.Pixels, photo.Width, photo.Height, runOptions);
        if (detection < 0 || detection >= detected.Count)
        {
            throw new ArgumentException($"the photo has {detected.Count} detections; --detection {detection} is not one of them");
        }

        var plane = detected.CoarseResolution * detected.CoarseResolution;
        var boxes = detected.Boxes.AsMemory(detection, 1);
        var coarse = detected.Coarse.AsMemory(detection * plane, plane);
        var head = new OnnxBoxPointHead(model, runOptions);
        var points = model.Manifest.Mask.Points;
        var steps = model.Manifest.Mask.Steps;
        MaskLogits Refine(MaskRefineOptions o) => MaskRefiner.Refine(detected.Fine, boxes, coarse, detected.CoarseResolution, head, o);

        // Each step count is its own run; the runs share their first steps (the selection is deterministic), so the
        // full run's recorded cells are the points each shorter run refined last.
        var masks = new List<(float[] Logits, int Side, int[]? Points)>();
        using (var c = Refine(new MaskRefineOptions(MaskMode.Coarse, points, 0)))
        {
            masks.Add((c.Of(0).ToArray(), c.Resolution, null));
        }

        using (var g = Refine(new MaskRefineOptions(MaskMode.Grid, points, 0)))
        {
            masks.Add((g.Of(0).ToArray(), g.Resolution, null));
        }

        using var full = Refine(new MaskRefineOptions(MaskMode.PointRend, points, steps) { RecordPoints = true });
        for (var s = 1; s <= steps; s++)
        {
            using var r = Refine(new MaskRefineOptions(MaskMode.PointRend, points, s));
            masks.Add((r.Of(0).ToArray(), r.Resolution, full.SelectedCellsPerStep[s - 1])); // one detection: its N cells
        }

        var box = detected.Boxes[detection].Rescale(detected.InputWidth, detected.InputHeight, photo.Width, photo.Height);
        var photoWidth = (int)Math.Round((double)panelHeight * photo.Width / photo.Height);
        var panelWidth = Math.Max(8, (int)Math.Round(panelHeight * box.Width / Math.Max(1f, box.Height)));
        var width = photoWidth + (masks.Count * (panelWidth + Gap));
        var pixels = new byte[width * panelHeight * 3];
        pixels.AsSpan().Fill(255);
        DrawPhoto(photo, box, pixels, width, panelHeight, photoWidth);
        for (var p = 0; p < masks.Count; p++)
        {
            var x0 = photoWidth + Gap + (p * (panelWidth + Gap));
            DrawMask(photo, box, masks[p].Logits, masks[p].Side, pixels, width, x0, panelWidth, panelHeight);
            if (masks[p].Points is { } cells)
            {
                DrawPoints(cells, masks[p].Side, pixels, width, x0, panelWidth, panelHeight);
            }
        }

        return PngEncoder.EncodeRgb(pixels, width, panelHeight).ToArray();
    }

    private static void DrawPhoto(RgbImage photo, DetectionBox box, byte[] pixels, int width, int height, int photoWidth)
    {
        var (r, g, b) = InstancePictures.Colour(1);
        for (var y = 0; y < height; y++)
        {
            var sy = Math.Min(photo.Height - 1, (int)((y + 0.5) * photo.Height / height));
            for (var x = 0; x < photoWidth; x++)
            {
                var sx = Math.Min(photo.Width - 1, (int)((x + 0.5) * photo.Width / photoWidth));
                var s = ((sy * photo.Width) + sx) * 3;
                var o = ((y * width) + x) * 3;
                // The box's outline, two panel pixels wide.
                double px = (x + 0.5) * photo.Width / photoWidth, py = (y + 0.5) * photo.Height / height;
                double tx = 2.0 * photo.Width / photoWidth, ty = 2.0 * photo.Height / height;
                var inside = px >= box.X0 && px < box.X1 && py >= box.Y0 && py < box.Y1;
                var edge = inside && (px - box.X0 < tx || box.X1 - px < tx || py - box.Y0 < ty || box.Y1 - py < ty);
                (pixels[o], pixels[o + 1], pixels[o + 2]) = edge ? (r, g, b) : (photo.Pixels[s], photo.Pixels[s + 1], photo.Pixels[s + 2]);
            }
        }
    }

    private static void DrawMask(RgbImage photo, DetectionBox box, float[] logits, int side, byte[] pixels, int width, int x0, int panelWidth, int height)
    {
        var (r, g, b) = InstancePictures.Colour(1);
        for (var y = 0; y < height; y++)
        {
            var v = (y + 0.5) / height;
            var sy = Math.Clamp((int)(box.Y0 + (v * box.Height)), 0, photo.Height - 1);
            var cy = Math.Min(side - 1, (int)(v * side));
            for (var x = 0; x < panelWidth; x++)
            {
                var u = (x + 0.5) / panelWidth;
                var sx = Math.Clamp((int)(box.X0 + (u * box.Width)), 0, photo.Width - 1);
                var cx = Math.Min(side - 1, (int)(u * side));
                var s = ((sy * photo.Width) + sx) * 3;
                var o = ((y * width) + x0 + x) * 3;
                var set = logits[(cy * side) + cx] > 0; // sigmoid >= 0.5
                pixels[o] = set ? (byte)((photo.Pixels[s] + r + 1) >> 1) : photo.Pixels[s];
                pixels[o + 1] = set ? (byte)((photo.Pixels[s + 1] + g + 1) >> 1) : photo.Pixels[s + 1];
                pixels[o + 2] = set ? (byte)((photo.Pixels[s + 2] + b + 1) >> 1) : photo.Pixels[s + 2];
            }
        }
    }

    private static void DrawPoints(int[] cells, int side, byte[] pixels, int width, int x0, int panelWidth, int height)
    {
        // Dots about half a cell wide, at least two pixels (at 224x224 a cell is about one panel pixel).
        var dot = Math.Max(2, (int)Math.Round(0.5 * Math.Min((double)panelWidth / side, (double)height / side)));
        foreach (var c in cells)
        {
            var px = (int)(((c % side) + 0.5) / side * panelWidth) - (dot / 2);
            var py = (int)(((c / side) + 0.5) / side * height) - (dot / 2);
            for (var y = Math.Max(0, py); y < Math.Min(height, py + dot); y++)
            {
                for (var x = Math.Max(0, px); x < Math.Min(panelWidth, px + dot); x++)
                {
                    var o = ((y * width) + x0 + x) * 3;
                    (pixels[o], pixels[o + 1], pixels[o + 2]) = (PointColour[0], PointColour[1], PointColour[2]);
                }
            }
        }
    }
}
