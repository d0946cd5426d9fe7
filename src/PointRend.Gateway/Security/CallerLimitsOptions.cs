namespace PointRend.Gateway.Security;

/// <summary>
/// Per-caller call rate and open calls; section <c>CallerLimits</c>. The caller is the authenticated one (API key or
/// token), or the peer address with authentication off. Over a limit a call gets RESOURCE_EXHAUSTED with RetryInfo
/// at once (never HTTP 429/503, which gRPC clients see as UNAVAILABLE). Both are off by default; the work a caller may
/// have outstanding is bounded anyway by <c>Gateway:MaxCallerCost</c>.
/// </summary>
public sealed class CallerLimitsOptions
{
    public const string SectionName = "CallerLimits";

    /// <summary>Sustained calls per second one caller may start (a SegmentStream counts once). 0 = no limit (default).</summary>
    public double CallsPerSecond { get; set; }

    /// <summary>Calls one caller may start at once above the sustained rate. 0 (default) = <see cref="CallsPerSecond"/> rounded up.</summary>
    public int Burst { get; set; }

    /// <summary>Calls one caller may have open at once (a SegmentStream is open until it ends). 0 = no limit (default).</summary>
    public int MaxConcurrentCalls { get; set; }

    public int EffectiveBurst => Burst > 0 ? Burst : Math.Max(1, (int)Math.Ceiling(CallsPerSecond));

    public IEnumerable<string> Validate()
    {
        if (CallsPerSecond < 0 || double.IsNaN(CallsPerSecond) || double.IsInfinity(CallsPerSecond))
        {
            yield return $"{SectionName}:{nameof(CallsPerSecond)} is {CallsPerSecond}; it must be 0 (no limit) or a positive number";
        }

        if (Burst < 0)
        {
            yield return $"{SectionName}:{nameof(Burst)} is {Burst}; it must be 0 (= the rate) or positive";
        }

        if (MaxConcurrentCalls < 0)
        {
            yield return $"{SectionName}:{nameof(MaxConcurrentCalls)} is {MaxConcurrentCalls}; it must be 0 (no limit) or positive";
        }
    }
}
