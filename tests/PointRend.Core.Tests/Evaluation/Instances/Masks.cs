using PointRend.Core.Evaluation.Instances;

namespace PointRend.Core.Tests.Evaluation.Instances;

/// <summary>Small hand-made masks: squares and rectangles in an H x W image.</summary>
internal static class Masks
{
    public static byte[] Rect(int height, int width, int y0, int x0, int rows, int cols)
    {
        var mask = new byte[height * width];
        for (var y = y0; y < y0 + rows; y++)
        {
            mask.AsSpan((y * width) + x0, cols).Fill(1);
        }

        return mask;
    }

    public static CroppedMask Square(int height, int width, int y0, int x0, int size) =>
        CroppedMask.FromImage(Rect(height, width, y0, x0, size, size), height, width);

    /// <summary>A detection whose box is its mask's tight box.</summary>
    public static EvaluatedDetection Detection(CroppedMask mask, double score) => new(score, mask.Box, mask);

    public static InstanceReport Evaluate(int height, int width, CroppedMask[] groundTruth, params EvaluatedDetection[] detections)
    {
        var evaluator = new InstanceEvaluator();
        evaluator.Add(height, width, groundTruth, detections);
        return evaluator.Report();
    }
}
