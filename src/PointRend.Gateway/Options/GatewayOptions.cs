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

    /// <summary>
    /// Frames of one SegmentStream in flight at once; results still leave in input order. 0 = follow the pool: the
    /// job slots of the workers (embedded: <c>WorkerPool:Workers</c>; distributed: the live workers' slots from their
    /// presence beats, re-read as workers come and go) plus one, so a freed slot has the next frame ready rather than
    /// waiting for the stream to hand one over (half the slots for a progressive stream, whose frames run two jobs
    /// each); at most <see cref="StreamMaxPipelineDepth"/>. N &gt; 0: always N.
    /// Default 0.
    /// </summary>
    public int StreamPipelineDepth { get; set; }

    /// <summary>
    /// Most frames of one SegmentStream in flight when <see cref="StreamPipelineDepth"/> follows the pool: each holds
    /// its image and, once answered out of turn, its result until the frames before it are answered. Default 32.
    /// </summary>
    public int StreamMaxPipelineDepth { get; set; } = 32;

    /// <summary>The depth of one stream while the pool runs <paramref name="poolSlots"/> jobs at once.</summary>
    public int StreamDepth(int poolSlots) =>
        StreamPipelineDepth > 0 ? StreamPipelineDepth : Math.Min(Math.Max(1, poolSlots) + 1, StreamMaxPipelineDepth);

    /// <summary>
    /// Most unstarted frames one SegmentStream may ask the server to hold (StreamConfig.max_waiting); each holds its
    /// image until it starts or is dropped. Default 16 (about 8 MB of raw 480x360 frames).
    /// </summary>
    public int StreamMaxWaiting { get; set; } = 16;

    /// <summary>
    /// Serve Prometheus metrics at /metrics on the gRPC endpoint (only HTTP/2 clients reach it while the endpoint is
    /// Http2-only; for scrapers, <c>Gateway:MetricsPort</c> adds an HTTP/1.1 port: see AddMetricsPort). It answers
    /// anyone who reaches the port, credentials or not. Default null: on while <c>Auth:Enabled</c> is off, off when it is on.
    /// </summary>
    public bool? MetricsEnabled { get; set; }

    /// <summary>
    /// Most work one request may ask for, in work units (about one input pixel's share of the coarse network; see
    /// RequestCost): beyond it RESOURCE_EXHAUSTED with reason COST_LIMIT. Default 64 000 000: a 4096x4096 image in
    /// PointRend mode (43 M) passes, the same image in dense mode (200 M) does not.
    /// </summary>
    public long MaxRequestCost { get; set; } = 64_000_000;

    /// <summary>
    /// Most work one caller (the authenticated caller, or the peer address with authentication off) may have accepted and unanswered at once, in the same units: beyond it
    /// RESOURCE_EXHAUSTED with reason CALLER_LIMIT and a RetryInfo. Default 128 000 000 (two of the largest requests,
    /// or about 190 480x360 frames).
    /// </summary>
    public long MaxCallerCost { get; set; } = 128_000_000;

    /// <summary>
    /// A second, plaintext (h2c) port that serves only gRPC health, for the kubelet's <c>grpc</c> probe, which cannot
    /// speak TLS: with an https <c>urls</c> the probes ask this port. Every other path on it is UNIMPLEMENTED. It binds
    /// the host of <c>urls</c> (all interfaces for 0.0.0.0). Default 0: none.
    /// </summary>
    public int HealthPort { get; set; }

    public IEnumerable<string> Validate()
    {
        if (HealthPort is < 0 or > 65535)
        {
            yield return $"{SectionName}:{nameof(HealthPort)} is {HealthPort}; it must be a TCP port (1-65535), or 0 for none";
        }

        if (MaxRequestCost <= 0 || MaxCallerCost < MaxRequestCost)
        {
            yield return $"{SectionName}:{nameof(MaxRequestCost)} ({MaxRequestCost}) must be positive and at most {SectionName}:{nameof(MaxCallerCost)} ({MaxCallerCost})";
        }

        if (MaxReceiveMessageSize < 1024)
        {
            yield return $"{SectionName}:{nameof(MaxReceiveMessageSize)} is {MaxReceiveMessageSize}; it must be at least 1024 bytes";
        }

        if (DefaultDeadline <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:{nameof(DefaultDeadline)} is {DefaultDeadline}; it must be positive";
        }

        if (StreamMaxPipelineDepth < 1)
        {
            yield return $"{SectionName}:{nameof(StreamMaxPipelineDepth)} is {StreamMaxPipelineDepth}; it must be at least 1";
        }

        if (StreamPipelineDepth < 0 || StreamPipelineDepth > StreamMaxPipelineDepth)
        {
            yield return $"{SectionName}:{nameof(StreamPipelineDepth)} is {StreamPipelineDepth}; it must be 0 (follow the pool) or at most " +
                $"{SectionName}:{nameof(StreamMaxPipelineDepth)} ({StreamMaxPipelineDepth})";
        }

        if (StreamMaxWaiting < 0)
        {
            yield return $"{SectionName}:{nameof(StreamMaxWaiting)} is {StreamMaxWaiting}; it must be 0 or more";
        }
    }
}
