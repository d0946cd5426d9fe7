// Shape shorthand: K classes, C channels, h x w coarse grid, H x W output grid, S steps.
// Coordinates: none; this file only checks sizes. Every message names the limit and the value seen.
namespace PointRend.Core;

/// <summary>Argument checks for <see cref="SubdivisionRenderer.Render"/>, one rule per line, messages in one place.</summary>
internal static class RenderValidation
{
    public static void Validate(FeatureMap coarse, IReadOnlyList<FeatureMap> features, IPointHead head, RenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "RenderOptions.Mode must be Coarse, PointRend or Dense.");
        }

        Range(options.OutputHeight, 1, int.MaxValue, "RenderOptions.OutputHeight");
        Range(options.OutputWidth, 1, int.MaxValue, "RenderOptions.OutputWidth");
        if (options.Mode == RenderMode.PointRend)
        {
            Range(options.Steps, 0, SubdivisionRenderer.MaxSteps, "RenderOptions.Steps");
            Range(options.PointsPerStep, 1, int.MaxValue, "RenderOptions.PointsPerStep");
            AtLeastZero(options.MaxGap, "RenderOptions.MaxGap");
        }

        CheckMap(coarse, "coarse");
        if (coarse.ChannelsLast)
        {
            throw new ArgumentException("The coarse logits must be CHW: they are upsampled and scored plane by plane; only feature maps may be channels-last.", nameof(coarse));
        }

        for (int f = 0; f < features.Count; f++)
        {
            CheckMap(features[f], $"features[{f}]");
        }

        if (head.Classes < 1 || coarse.Channels != head.Classes)
        {
            throw new ArgumentException($"The coarse logits have {coarse.Channels} channels but the point head predicts {head.Classes} classes.", nameof(coarse));
        }

        long inChannels = coarse.Channels;
        foreach (var map in features)
        {
            inChannels += map.Channels;
        }

        if (inChannels != head.InChannels)
        {
            throw new ArgumentException($"The point head takes {head.InChannels} input channels but the features give {inChannels - coarse.Channels} + {coarse.Channels} coarse logits = {inChannels}.", nameof(features));
        }

        CheckSize(coarse.Channels, options.OutputHeight, options.OutputWidth, "the output");
        if (options.Mode == RenderMode.PointRend)
        {
            CheckSize(coarse.Channels, (long)coarse.Height << options.Steps, (long)coarse.Width << options.Steps, $"step {options.Steps}");
        }
    }

    private static void CheckMap(FeatureMap map, string name)
    {
        if (map.Channels < 1 || map.Height < 1 || map.Width < 1)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must have at least one channel, row and column; got {map.Channels}x{map.Height}x{map.Width}.");
        }

        long expected = (long)map.Channels * map.Height * map.Width;
        if (map.Data.Length != expected)
        {
            throw new ArgumentException($"{name} is {map.Channels}x{map.Height}x{map.Width} = {expected} floats but its data holds {map.Data.Length}.", name);
        }
    }

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            string limit = max == int.MaxValue ? $">= {min}" : $"in {min}..{max}";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {limit}; got {value}.");
        }
    }

    private static void AtLeastZero(float value, string name)
    {
        // Written so NaN fails too: no comparison with NaN is true.
        if (!(value >= 0f))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= 0 (+infinity for no bound); got {value}.");
        }
    }

    private static void CheckSize(int classes, long height, long width, string what)
    {
        if (classes * height * width > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"Logits for {what} would be {classes}x{height}x{width}, more than one array can hold ({Array.MaxLength} floats).");
        }
    }
}
