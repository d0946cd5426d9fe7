using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Options;
using PointRend.Gateway.Tiling;
using PointRend.Inference;

namespace PointRend.Gateway.Services;

/// <summary>The gRPC edge: deadlines and cancellation in, statuses out; the work happens behind <see cref="ISegmentJobRunner"/>.</summary>
public sealed class SegmentationService(
    ISegmentJobRunner runner, SegmentProcessor processor, IOptions<GatewayOptions> options, TimeProvider time, ILogger<SegmentationService> logger)
    : Segmentation.SegmentationBase
{
    private readonly TimeProvider _time = time;

    public override Task<SegmentResponse> Segment(SegmentRequest request, ServerCallContext context) =>
        Guard(nameof(Segment), context, () => runner.RunAsync(request, Deadline(context), context.CancellationToken));

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        Task.FromResult(processor.ListModels());

    public override Task SegmentTiled(SegmentRequest request, IServerStreamWriter<SegmentTiledResponse> responseStream, ServerCallContext context) =>
        Guard(nameof(SegmentTiled), context, () => TiledCall.RunAsync(
            context.GetHttpContext().RequestServices.GetRequiredService<TiledSegmenter>(), request, responseStream, Deadline(context), context.CancellationToken));

    /// <summary>
    /// Frames are read ahead and run up to StreamPipelineDepth at once, but written strictly in arrival order:
    /// a sequential client gets results in its own order. The first failed frame ends the stream with its status.
    /// </summary>
    public override Task SegmentStream(IAsyncStreamReader<SegmentRequest> requestStream, IServerStreamWriter<SegmentResponse> responseStream, ServerCallContext context) =>
        Guard(nameof(SegmentStream), context, async () =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            var inFlight = Channel.CreateBounded<Task<SegmentResponse>>(options.Value.StreamPipelineDepth);
            var reading = ReadFramesAsync(requestStream, inFlight.Writer, context, stop.Token);
            try
            {
                await foreach (var frame in inFlight.Reader.ReadAllAsync(stop.Token))
                {
                    await responseStream.WriteAsync(await frame, stop.Token);
                }

                await reading;
            }
            finally
            {
                await stop.CancelAsync();
                await reading.ContinueWith(static _ => { }, TaskScheduler.Default); // observed; its fault already reached the loop
            }

            return 0;
        });

    private async Task ReadFramesAsync(IAsyncStreamReader<SegmentRequest> requests, ChannelWriter<Task<SegmentResponse>> frames, ServerCallContext context, CancellationToken ct)
    {
        try
        {
            await foreach (var request in requests.ReadAllAsync(ct))
            {
                Task<SegmentResponse> frame;
                try
                {
                    frame = runner.RunAsync(request, Deadline(context), ct);
                }
                catch (Exception ex)
                {
                    frame = Task.FromException<SegmentResponse>(ex);
                }

                await frames.WriteAsync(frame, ct);
            }

            frames.TryComplete();
        }
        catch (Exception ex)
        {
            frames.TryComplete(ex);
        }
    }

    /// <summary>The client's deadline, or now + Gateway:DefaultDeadline when it set none.</summary>
    private DateTime Deadline(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue ? _time.GetUtcNow().UtcDateTime + options.Value.DefaultDeadline : context.Deadline;

    private async Task<T> Guard<T>(string method, ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (SegmentationException ex)
        {
            var rpc = GrpcErrors.ToRpcException(ex);
            if (rpc.StatusCode == StatusCode.Internal)
            {
                GatewayLog.RequestFailed(logger, ex, method);
            }
            else
            {
                GatewayLog.RequestRefused(logger, method, rpc.StatusCode, ex.Message);
            }

            throw rpc;
        }
        catch (Exception ex) when (ex is not RpcException && context.CancellationToken.IsCancellationRequested)
        {
            // A client reset surfaces as OperationCanceledException or IOException from the request stream; both are "cancelled", not server errors.
            var code = context.Deadline <= _time.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            throw new RpcException(new Grpc.Core.Status(code, code == StatusCode.DeadlineExceeded ? "the deadline passed" : "the call was cancelled"));
        }
    }
}
