using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Options;

namespace PointRend.Gateway.Services;

/// <summary>A StreamConfig the server cannot honour ends the call before any frame is read: INVALID_ARGUMENT.</summary>
internal static class StreamConfigRules
{
    public static StreamConfig Checked(StreamConfig config, GatewayOptions options)
    {
        if (config.MaxWaiting < 0 || config.MaxWaiting > options.StreamMaxWaiting)
        {
            throw Invalid(
                $"config.max_waiting is {config.MaxWaiting}; it must be between 0 (the server stops reading instead) and {options.StreamMaxWaiting} " +
                $"({GatewayOptions.SectionName}:{nameof(GatewayOptions.StreamMaxWaiting)})",
                "config.max_waiting");
        }

        if (config.MaxWaiting > 0 && config.Policy == StreamPolicy.Latest)
        {
            throw Invalid(
                $"config.max_waiting ({config.MaxWaiting}) applies to STREAM_POLICY_ALL only; STREAM_POLICY_LATEST replaces a waiting frame with the " +
                "newer one (FRAME_STATUS_DROPPED_STALE) instead of queueing it: leave max_waiting at 0 or use STREAM_POLICY_ALL",
                "config.max_waiting");
        }

        if (config.MaxAge is { } maxAge && maxAge.ToTimeSpan() < TimeSpan.Zero)
        {
            throw Invalid($"config.max_age is {maxAge.ToTimeSpan()}; it must be positive, or zero/unset for no age limit", "config.max_age");
        }

        return config;
    }

    private static SegmentationException Invalid(string message, string field) =>
        new(SegmentationErrorKind.InvalidArgument, ErrorReason.OptionInvalid, message, field);
}
