using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Hosting;
using PointRend.Gateway.Options;
using PointRend.Gateway.Tiling;

namespace PointRend.Gateway.Services;

/// <summary>
/// The gRPC edge: every request is admitted (validated, priced, charged to its caller) before it reaches the
/// <see cref="RequestPipeline"/>; deadlines and cancellation go in, statuses with AIP-193 details come out.
/// </summary>
public sealed class SegmentationGrpcService(
    RequestPipeline pipeline, RequestAdmission admission, ListModelsResponse models, IOptions<GatewayOptions> options, TimeProvider time,
    ILogger<SegmentationGrpcService> logger)
    : PointRend.Contracts.V1.SegmentationService.SegmentationServiceBase
{
    public override Task<SegmentResponse> Segment(SegmentRequest request, ServerCallContext context) =>
        Guard(nameof(Segment), context, async () =>
        {
            var job = Job(context);
            using var ticket = admission.Admit(request.Image, request.Options, job.Caller);
            return await pipeline.Runner.RunAsync(request, job, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) => Task.FromResult(models);

    public override Task SegmentTiled(SegmentTiledRequest request, IServerStreamWriter<SegmentTiledResponse> responseStream, ServerCallContext context) =>
        Guard(nameof(SegmentTiled), context, async () =>
        {
            var job = Job(context);
            using var ticket = admission.Admit(request.Image, request.Options, job.Caller);
            var whole = new SegmentRequest { Image = request.Image, Options = request.Options, CorrelationId = request.CorrelationId };
            return await TiledCall.RunAsync(pipeline.Tiles, whole, responseStream, job, context.CancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Frames are read ahead and run up to <see cref="GatewayOptions.StreamPipelineDepth"/> at once (counted from
    /// admission to the written answer), and answered strictly in arrival order. A frame that fails is answered
    /// FRAME_STATUS_FAILED with its status and the stream goes on; only a broken stream protocol ends the call.
    /// </summary>
    public override Task SegmentStream(IAsyncStreamReader<SegmentStreamRequest> requestStream, IServerStreamWriter<SegmentStreamResponse> responseStream,
        ServerCallContext context) =>
        Guard(nameof(SegmentStream), context, async () =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            using var slots = new SemaphoreSlim(options.Value.StreamPipelineDepth);
            var answers = Channel.CreateUnbounded<Task<SegmentStreamResponse>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var reading = ReadFramesAsync(requestStream, answers.Writer, slots, context, stop.Token);
            try
            {
                await foreach (var answer in answers.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    await responseStream.WriteAsync(await answer.ConfigureAwait(false), stop.Token).ConfigureAwait(false);
                    slots.Release();
                }

                await reading.ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await reading.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false); // observed; its fault already reached the loop
            }

            return 0;
        });

    private async Task ReadFramesAsync(IAsyncStreamReader<SegmentStreamRequest> requests, ChannelWriter<Task<SegmentStreamResponse>> answers,
        SemaphoreSlim slots, ServerCallContext context, CancellationToken ct)
    {
        try
        {
            var streamOptions = default(SegmentOptions);
            var first = true;
            await foreach (var message in requests.ReadAllAsync(ct).ConfigureAwait(false))
            {
                switch (message.KindCase)
                {
                    case SegmentStreamRequest.KindOneofCase.Config when first:
                        streamOptions = message.Config.Options;
                        break;
                    case SegmentStreamRequest.KindOneofCase.Frame:
                        await slots.WaitAsync(ct).ConfigureAwait(false);
                        await answers.WriteAsync(RunFrameAsync(message.Frame, streamOptions, context, ct), ct).ConfigureAwait(false);
                        break;
                    default:
                        throw new SegmentationException(SegmentationErrorKind.InvalidArgument, ErrorReason.StreamProtocol,
                            message.KindCase == SegmentStreamRequest.KindOneofCase.Config
                                ? "a StreamConfig may only be the first message of a SegmentStream; later messages must be frames"
                                : "a SegmentStreamRequest must set config or frame", message.KindCase == SegmentStreamRequest.KindOneofCase.Config ? "config" : "kind");
                }

                first = false;
            }

            answers.TryComplete();
        }
        catch (Exception ex)
        {
            answers.TryComplete(ex);
        }
    }

    private async Task<SegmentStreamResponse> RunFrameAsync(Frame frame, SegmentOptions? streamOptions, ServerCallContext context, CancellationToken ct)
    {
        var answer = new SegmentStreamResponse { Sequence = frame.Sequence };
        try
        {
            var job = Job(context);
            var segmentOptions = frame.Options ?? streamOptions;
            using var ticket = admission.Admit(frame.Image, segmentOptions, job.Caller);
            var request = new SegmentRequest { Image = frame.Image, Options = segmentOptions, CorrelationId = $"frame {frame.Sequence}" };
            answer.Result = await pipeline.Runner.RunAsync(request, job, ct).ConfigureAwait(false);
            answer.Status = FrameStatus.Processed;
        }
        catch (Exception ex) when (ex is SegmentationException || !ct.IsCancellationRequested)
        {
            var error = ex as SegmentationException ?? Unexpected(nameof(SegmentStream), ex);
            GatewayLog.FrameFailed(logger, frame.Sequence, GrpcErrors.ToStatusCode(error.Kind), error.Message);
            answer.Status = FrameStatus.Failed;
            answer.Error = GrpcErrors.ToStatus(error);
        }

        return answer;
    }

    /// <summary>The client's deadline, or now + Gateway:DefaultDeadline when it set none; and who is asking.</summary>
    private JobContext Job(ServerCallContext context) => new(
        context.Deadline == DateTime.MaxValue ? time.GetUtcNow().UtcDateTime + options.Value.DefaultDeadline : context.Deadline,
        Caller(context));

    /// <summary>The peer's address without its port: one caller however many connections it opens.</summary>
    private static string Caller(ServerCallContext context) =>
        context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer;

    private SegmentationException Unexpected(string method, Exception ex)
    {
        GatewayLog.RequestFailed(logger, ex, method);
        return new SegmentationException(SegmentationErrorKind.Internal, ErrorReason.Internal, "the server failed to process the request; its logs have the detail", inner: ex);
    }

    private async Task<T> Guard<T>(string method, ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SegmentationException ex)
        {
            if (ex.Kind == SegmentationErrorKind.Internal)
            {
                GatewayLog.RequestFailed(logger, ex.InnerException ?? ex, method);
            }
            else
            {
                GatewayLog.RequestRefused(logger, ex.InnerException, method, GrpcErrors.ToStatusCode(ex.Kind), ex.Message);
            }

            throw GrpcErrors.ToRpcException(ex);
        }
        catch (Exception ex) when (ex is not RpcException && context.CancellationToken.IsCancellationRequested)
        {
            // A client reset surfaces as OperationCanceledException or IOException from the request stream; both are "cancelled", not server errors.
            throw GrpcErrors.ToRpcException(GrpcErrors.Ended(context.Deadline <= time.GetUtcNow().UtcDateTime));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw GrpcErrors.ToRpcException(Unexpected(method, ex));
        }
    }
}
