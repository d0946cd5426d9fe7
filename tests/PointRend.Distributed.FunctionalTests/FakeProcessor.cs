using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// Stands in for the model where the queue, not the pipeline, is under test: answers with the image bytes as
/// class_raw, rejects <c>poison</c> like an undecodable image, and can hold a job until released.
/// </summary>
public sealed class FakeProcessor : ISegmentProcessor
{
    public static readonly ByteString Poison = ByteString.CopyFromUtf8("poison");

    private readonly ConcurrentQueue<string> _seen = new();

    /// <summary>Request ids in the order they reached the processor.</summary>
    public IReadOnlyCollection<string> Seen => _seen;

    /// <summary>When set, each job waits for it (a slow model).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public SegmentResponse Process(SegmentRequest request, CancellationToken cancellationToken)
    {
        _seen.Enqueue(request.CorrelationId);
        Gate?.Task.Wait(cancellationToken);
        var bytes = request.Image?.Encoded ?? ByteString.Empty;
        if (bytes == Poison)
        {
            throw new SegmentationException(SegmentationErrorKind.InvalidArgument, ErrorReason.ImageUnsupportedFormat, "image.encoded is neither PNG nor JPEG", "image.encoded");
        }

        return new SegmentResponse { CorrelationId = request.CorrelationId, Model = "fake", ModelVersion = "1", ClassRaw = bytes, Width = bytes.Length, Height = 1 };
    }

    public static SegmentRequest Request(string id, string content) =>
        new() { CorrelationId = id, Image = new Image { Encoded = ByteString.CopyFrom(Encoding.UTF8.GetBytes(content)) } };
}
