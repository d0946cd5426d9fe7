using StackExchange.Redis;

namespace PointRend.Queueing.Redis;

/// <summary>
/// Every key and channel the distributed mode uses; <c>{p}</c> is <c>Redis:KeyPrefix</c>. Mirrored in docs/queue.md.
/// <code>
/// {p}:jobs                  stream   one entry per outstanding job (deleted when finished, so XLEN = backlog);
///                                    fields job, payload, reply, deadline (unix ms), enqueued (unix ms), and when
///                                    the request is traced traceparent and tracestate (W3C trace context);
///                                    consumer group Queue:ConsumerGroup, created at 0 by workers
/// {p}:job:{id}:request      string   serialized SegmentRequest; PX = until the deadline (+ 1 s); deleted when finished
/// {p}:job:{id}:result       hash     status (ok | a SegmentationErrorKind), message, response (serialized
///                                    SegmentResponse); PX = Queue:ResultTtl; deleted by the gateway once read
/// {p}:jobs:dead             stream   dead letters: job, reason, kind, deliveries, consumer, deadline, at (unix ms);
///                                    MAXLEN ~ Queue:DeadLetterMaxLength
/// {p}:jobs:doorbell         channel  published on every enqueue; wakes idle workers (message is meaningless)
/// {p}:replies:{gateway}     channel  one per gateway process; message = job id whose result is ready
/// {p}:workers               zset     "{concurrency}:{consumer}" -> unix ms of its last presence beat (every Queue:WorkerLiveness / 5);
///                                    members older than Queue:WorkerLiveness are dead and pruned by gateways
/// {p}:models                hash     model name -> version, written by workers at start; "" -> default model name
/// {p}:cache:{hash}          string   cached SegmentResponse (RedisResultCache); EX = Cache:Ttl
/// </code>
/// </summary>
public sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Jobs { get; } = $"{prefix}:jobs";

    public RedisKey DeadLetters { get; } = $"{prefix}:jobs:dead";

    public RedisChannel Doorbell { get; } = RedisChannel.Literal($"{prefix}:jobs:doorbell");

    public RedisKey Models { get; } = $"{prefix}:models";

    public RedisKey Workers { get; } = $"{prefix}:workers";

    public RedisKey Request(string jobId) => $"{Prefix}:job:{jobId}:request";

    public RedisKey Result(string jobId) => $"{Prefix}:job:{jobId}:result";

    public string ReplyChannel(string gatewayId) => $"{Prefix}:replies:{gatewayId}";

    public RedisKey Cache(string hash) => $"{Prefix}:cache:{hash}";
}

/// <summary>Field names of a job entry and of a stored result.</summary>
internal static class JobFields
{
    public const string Job = "job";
    public const string Payload = "payload";
    public const string Reply = "reply";
    public const string Deadline = "deadline";
    public const string Enqueued = "enqueued";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public const string Status = "status";
    public const string Message = "message";
    public const string Response = "response";
    public const string Ok = "ok";
    public const string ErrorReason = "error_reason";
    public const string Field = "field";

    public const string Reason = "reason";
    public const string Kind = "kind";
    public const string Deliveries = "deliveries";
    public const string Consumer = "consumer";
    public const string At = "at";
}
