using PointRend.Contracts.V1;
using PointRend.Core.Instances;
using PointRend.Inference.Instances;
using ProtoMaskMode = PointRend.Contracts.V1.MaskMode;

namespace PointRend.Inference.Validation;

/// <summary>
/// The request rules of instance models (docs/model-contract.md, "Instance models"), and the instance-only fields a
/// semantic model refuses. A field of the other task is refused rather than ignored, so a client learns at once that it
/// is talking to the wrong kind of model.
/// </summary>
public static class InstanceRules
{
    /// <summary>SegmentOptions.score_threshold when 0: detectron2's demo threshold.</summary>
    public const float DefaultScoreThreshold = 0.5f;

    /// <summary>Most subdivision steps: 28 -> 448 per detection (100 detections of 448x448 logits are 80 MB).</summary>
    public const int MaxSteps = 4;

    /// <summary>Most points per step, as a multiple of model.json's mask.points.</summary>
    public const int MaxPointsFactor = 4;

    public static int MaxPoints(InstanceManifest m) => m.Mask.Points * MaxPointsFactor;

    public static RequestPlan Validate(InstanceManifest m, SegmentOptions o, (int Width, int Height) input)
    {
        var name = m.Name;
        if (o.Mode != RenderMode.Unspecified)
        {
            throw InferenceErrors.TaskMismatch("options.mode", $"options.mode is for semantic models and '{name}' is an instance model; set options.mask_mode (coarse, grid or pointrend) instead");
        }

        if (o.MaxGap != 0f)
        {
            throw InferenceErrors.TaskMismatch("options.max_gap", $"options.max_gap is for semantic models and '{name}' is an instance model; ListModels gives each model's task");
        }

        if (o.OutputWidth != 0 || o.OutputHeight != 0)
        {
            throw InferenceErrors.TaskMismatch(
                o.OutputWidth != 0 ? "options.output_width" : "options.output_height",
                $"instance model '{name}' pastes its masks at the input size; leave options.output_width and output_height at 0");
        }

        if (o.Outputs is { } outputs)
        {
            Refuse(outputs.ClassPng, "options.outputs.class_png", name);
            Refuse(outputs.ClassRaw, "options.outputs.class_raw", name);
            Refuse(outputs.UncertaintyPng, "options.outputs.uncertainty_png", name);
            Refuse(outputs.UncertaintyRaw, "options.outputs.uncertainty_raw", name);
        }

        if (!(o.ScoreThreshold >= 0f && o.ScoreThreshold <= 1f))
        {
            throw InferenceErrors.InstanceOption("options.score_threshold", $"options.score_threshold is {o.ScoreThreshold}; it must be 0 (default {DefaultScoreThreshold}) or up to 1");
        }

        var limit = m.Detector.Postprocess.MaxDetections;
        if (o.MaxDetections < 0 || o.MaxDetections > limit)
        {
            throw InferenceErrors.OutOfRange("options.max_detections", o.MaxDetections, 1, limit, $"model '{name}' detector.postprocess.max_detections");
        }

        var mode = o.MaskMode switch
        {
            ProtoMaskMode.Unspecified or ProtoMaskMode.Pointrend => Core.Instances.MaskMode.PointRend,
            ProtoMaskMode.Coarse => Core.Instances.MaskMode.Coarse,
            ProtoMaskMode.Grid => Core.Instances.MaskMode.Grid,
            _ => throw InferenceErrors.InstanceOption("options.mask_mode", $"options.mask_mode is {(int)o.MaskMode}; it must be one of MASK_MODE_COARSE, MASK_MODE_GRID, MASK_MODE_POINTREND"),
        };
        if (o.SubdivisionSteps < 0 || o.SubdivisionSteps > MaxSteps)
        {
            throw InferenceErrors.OutOfRange("options.subdivision_steps", o.SubdivisionSteps, 1, MaxSteps, $"instance models, {nameof(InstanceRules)}.{nameof(MaxSteps)}");
        }

        if (o.PointsPerStep < 0 || o.PointsPerStep > MaxPoints(m))
        {
            throw InferenceErrors.OutOfRange("options.points_per_step", o.PointsPerStep, 1, MaxPoints(m), $"{MaxPointsFactor} x model '{name}' mask.points");
        }

        var refine = new MaskRefineOptions(
            mode, o.PointsPerStep == 0 ? m.Mask.Points : o.PointsPerStep, o.SubdivisionSteps == 0 ? m.Mask.Steps : o.SubdivisionSteps);
        var instance = new InstanceOptions(refine, o.ScoreThreshold == 0f ? DefaultScoreThreshold : o.ScoreThreshold, o.MaxDetections == 0 ? limit : o.MaxDetections);
        var cost = RequestCost.OfInstance(instance, input.Width, input.Height, m.Input.SizeFor(input.Height, input.Width), m.Detector.CoarseResolution);
        return new RequestPlan(name, null, instance, input.Width, input.Height, cost);
    }

    /// <summary>A semantic model refuses the instance-only fields.</summary>
    public static void RefuseInstanceFields(SegmentOptions o, string semanticModel)
    {
        string? field = o.ScoreThreshold != 0f ? "options.score_threshold"
            : o.MaxDetections != 0 ? "options.max_detections"
            : o.MaskMode != ProtoMaskMode.Unspecified ? "options.mask_mode"
            : o.Outputs?.InstanceRle == true ? "options.outputs.instance_rle"
            : o.Outputs?.InstanceMaskPng == true ? "options.outputs.instance_mask_png"
            : o.Outputs?.InstanceIdPng == true ? "options.outputs.instance_id_png"
            : null;
        if (field is not null)
        {
            throw InferenceErrors.TaskMismatch(field, $"{field} is for instance models and '{semanticModel}' is a semantic model; ListModels gives each model's task");
        }
    }

    private static void Refuse(bool asked, string field, string model)
    {
        if (asked)
        {
            throw InferenceErrors.TaskMismatch(field, $"{field} is a semantic output and '{model}' is an instance model; ask for instance_rle, instance_mask_png, instance_id_png or overlay_png");
        }
    }
}
