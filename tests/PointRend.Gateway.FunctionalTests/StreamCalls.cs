using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

internal static class StreamCalls
{
    /// <summary>Opens a stream with <paramref name="config"/>, writes every frame at once (a sender far faster than
    /// the pool), completes it and reads every answer.</summary>
    public static async Task<List<SegmentStreamResponse>> SendAllAsync(
        SegmentationService.SegmentationServiceClient client, StreamConfig config, IEnumerable<SegmentStreamRequest> frames)
    {
        using var call = client.SegmentStream();
        await call.RequestStream.WriteAsync(new SegmentStreamRequest { Config = config }).DefaultTimeout();
        foreach (var frame in frames)
        {
            await call.RequestStream.WriteAsync(frame).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        return await ReadAllAsync(call);
    }

    public static async Task<List<SegmentStreamResponse>> ReadAllAsync(AsyncDuplexStreamingCall<SegmentStreamRequest, SegmentStreamResponse> call)
    {
        var answers = new List<SegmentStreamResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            answers.Add(answer);
        }

        return answers;
    }

    /// <summary><paramref name="count"/> slow frames (TestImages.DistinctSlow) numbered from 0.</summary>
    public static IEnumerable<SegmentStreamRequest> SlowFrames(int count, RenderMode mode = RenderMode.Dense) =>
        TestImages.DistinctSlow(count, mode).Select((f, i) => TestImages.Frame(f, (ulong)i));
}
