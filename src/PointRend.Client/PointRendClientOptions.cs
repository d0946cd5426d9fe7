namespace PointRend.Client;

/// <summary>Where the service is and how calls to it behave; bound with <c>AddPointRendClient(o => ...)</c>.</summary>
public sealed class PointRendClientOptions
{
    /// <summary>The gateway's address, e.g. <c>http://127.0.0.1:50051</c> (h2c) or <c>https://pointrend.example</c>. Required.</summary>
    public Uri? Address { get; set; }

    /// <summary>
    /// Deadline of a Segment, SegmentTiled or ListModels call that names none, covering every retry of it. Default 30 s
    /// (the gateway's own default). <see cref="Timeout.InfiniteTimeSpan"/> = no deadline.
    /// </summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deadline of a whole SegmentStream call when none is named. Default: none, since a video stream lasts as long as
    /// the video; the gateway still gives every frame its own deadline (<c>Gateway:DefaultDeadline</c>).
    /// </summary>
    public TimeSpan StreamDeadline { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Retries after the first attempt of a call that failed retryably (<see cref="PointRendException.IsRetryable"/>)
    /// before any answer arrived; never for a SegmentStream or a SegmentTiled whose first tile arrived. Default 3; 0 = none.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry when the service sent no RetryInfo (UNAVAILABLE from the network);
    /// doubled per retry, with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait before one retry, whatever RetryInfo asks. Default 5 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest response message in bytes; null = unlimited. Default 256 MB (a 4x output with logits is tens of MB).</summary>
    public int? MaxReceiveMessageSize { get; set; } = 256 * 1024 * 1024;

    /// <summary>
    /// Metadata sent with every call, e.g. an API key header. For per-call credentials (tokens that expire), add
    /// <c>.AddCallCredentials(...)</c> to the builder <c>AddPointRendClient</c> returns.
    /// </summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every problem with these options, each naming the option; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (Address is null || !Address.IsAbsoluteUri || Address.Scheme is not ("http" or "https"))
        {
            yield return $"{nameof(Address)} is '{Address}'; it must be an absolute http:// or https:// URI of the gateway";
        }

        if (DefaultDeadline <= TimeSpan.Zero && DefaultDeadline != Timeout.InfiniteTimeSpan)
        {
            yield return $"{nameof(DefaultDeadline)} is {DefaultDeadline}; it must be positive, or Timeout.InfiniteTimeSpan for none";
        }

        if (StreamDeadline <= TimeSpan.Zero && StreamDeadline != Timeout.InfiniteTimeSpan)
        {
            yield return $"{nameof(StreamDeadline)} is {StreamDeadline}; it must be positive, or Timeout.InfiniteTimeSpan for none";
        }

        if (MaxRetries < 0)
        {
            yield return $"{nameof(MaxRetries)} is {MaxRetries}; it must be 0 or more";
        }

        if (RetryBaseDelay <= TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay)
        {
            yield return $"{nameof(RetryBaseDelay)} ({RetryBaseDelay}) must be positive and at most {nameof(MaxRetryDelay)} ({MaxRetryDelay})";
        }
    }
}
