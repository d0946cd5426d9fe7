using PointRend.Core.Evaluation.Instances;
using PointRend.Core.Instances;

namespace PointRend.Cli.Instances;

/// <summary>What an instance request asks for: the model, the mask mode (coarse, grid, pointrend), which detections.</summary>
/// <param name="Points">Points per subdivision step (0 = the model's default).</param>
/// <param name="Steps">Subdivision steps (0 = the model's default; ignored by coarse and grid).</param>
/// <param name="ScoreThreshold">Detections below this score are dropped (the graph already drops those under 0.05).</param>
public sealed record InstanceRequest(string Model, MaskMode Mode, int Points, int Steps, float ScoreThreshold, int MaxDetections);

/// <summary>One detection in image pixels.</summary>
public sealed record PredictedInstance(int ClassId, double Score, PixelBox Box, CroppedMask Mask);

/// <summary>An image's detections, in the engine's order (descending score), and the time of the detector and of the masks (refinement and paste).</summary>
public sealed record InstancePrediction(int Width, int Height, IReadOnlyList<PredictedInstance> Instances, double DetectorMs, double RefineMs);
