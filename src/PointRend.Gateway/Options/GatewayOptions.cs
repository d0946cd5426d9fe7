namespace PointRend.Gateway.Options;

/// <summary>gRPC edge settings; section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request message in bytes; larger ones get RESOURCE_EXHAUSTED from gRPC itself. Default 33 554 432 (32 MB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest response message in bytes; null = unlimited. Default null.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Deadline applied when the client sets none (per frame on SegmentStream). Default 30 s.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Frames of one SegmentStream in flight at once; results still leave in input order. Default 2.</summary>
    public int StreamPipelineDepth { get; set; } = 2;

    /// <summary>
    /// Serve Prometheus metrics at /metrics on the gRPC endpoint (only HTTP/2 clients reach it while the endpoint is
    /// Http2-only; for scrapers, <c>Gateway:MetricsPort</c> adds an HTTP/1.1 port: see AddMetricsPort). Default true.
    /// </summary>
    public bool MetricsEnabled { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (MaxReceiveMessageSize < 1024)
        {
            yield return $"{SectionName}:{nameof(MaxReceiveMessageSize)} is {MaxReceiveMessageSize}; it must be at least 1024 bytes";
        }

        if (DefaultDeadline <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:{nameof(DefaultDeadline)} is {DefaultDeadline}; it must be positive";
        }

        if (StreamPipelineDepth < 1)
        {
            yield return $"{SectionName}:{nameof(StreamPipelineDepth)} is {StreamPipelineDepth}; it must be at least 1";
        }
    }
}
