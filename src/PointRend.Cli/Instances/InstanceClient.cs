using Google.Protobuf;
using PointRend.Cli.Backends;
using PointRend.Contracts.V1;
using PointRend.Core.Evaluation.Instances;
using EngineMode = PointRend.Core.Instances.MaskMode;

namespace PointRend.Cli.Instances;

/// <summary>
/// Instance requests through a segment backend, in-process (the SegmentProcessor the gateway's workers run) or a
/// gateway over gRPC: Segment with the instance options, masks back as COCO RLE. Both paths build and read the same
/// messages, so their results can be compared detection for detection.
/// </summary>
public sealed class InstanceClient(ISegmentBackend backend) : IInstanceBackend
{
    // The API reads score_threshold 0 as "the default" (0.5); the smallest positive float keeps every detection the
    // graph returns (it already drops those under 0.05), which is what COCO evaluation scores.
    private const float KeepAll = 1e-6f;

    public string Description => backend.Description;

    public async Task<InstancePrediction> SegmentAsync(byte[] encoded, InstanceRequest request, CancellationToken cancellationToken)
    {
        var response = await backend.SegmentAsync(ToProto(encoded, request), cancellationToken);
        if (response.Instances.Count == 0 && response.ClassPng.Length + response.ClassRaw.Length > 0)
        {
            throw new InvalidOperationException($"{backend.Description} answered for model '{request.Model}' with a semantic label map, not instances");
        }

        int w = response.Width, h = response.Height;
        var instances = response.Instances.Select(i => new PredictedInstance(
            i.ClassId, i.Score, new PixelBox(i.Box.X0, i.Box.Y0, i.Box.X1, i.Box.Y1), CroppedMask.FromRle(i.RleCounts.ToArray(), h, w))).ToList();
        var t = response.Timings;
        return new InstancePrediction(w, h, instances, t?.CoarseMs ?? 0, t?.RefineMs ?? 0);
    }

    public static SegmentRequest ToProto(byte[] encoded, InstanceRequest request) => new()
    {
        Image = new Image { Encoded = ByteString.CopyFrom(encoded) },
        Options = new SegmentOptions
        {
            Model = request.Model,
            SubdivisionSteps = request.Steps,
            PointsPerStep = request.Points,
            ScoreThreshold = request.ScoreThreshold > 0 ? request.ScoreThreshold : KeepAll,
            MaxDetections = request.MaxDetections,
            MaskMode = request.Mode switch
            {
                EngineMode.Coarse => Contracts.V1.MaskMode.Coarse,
                EngineMode.Grid => Contracts.V1.MaskMode.Grid,
                EngineMode.PointRend => Contracts.V1.MaskMode.Pointrend,
                _ => throw new ArgumentException($"mask mode {request.Mode} is not served over the API; use coarse, grid or pointrend"),
            },
            Outputs = new OutputSelection { InstanceRle = true },
        },
        CorrelationId = request.Model,
    };

    public ValueTask DisposeAsync() => backend.DisposeAsync();
}
