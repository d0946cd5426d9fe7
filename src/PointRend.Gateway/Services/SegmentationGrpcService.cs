using Grpc.Core;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Hosting;
using PointRend.Gateway.Options;
using PointRend.Gateway.Security;
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

    /// <summary>Frames answered in order, each on its own (see <see cref="StreamSession"/>); only a broken stream protocol ends the call.</summary>
    public override Task SegmentStream(IAsyncStreamReader<SegmentStreamRequest> requestStream, IServerStreamWriter<SegmentStreamResponse> responseStream,
        ServerCallContext context) =>
        Guard(nameof(SegmentStream), context, async () =>
        {
            var session = new StreamSession(pipeline, admission, options.Value, () => Job(context), time,
                (sequence, error) => GatewayLog.FrameFailed(logger, sequence, GrpcErrors.ToStatusCode(error.Kind), error.Message));
            await session.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
            return 0;
        });

    /// <summary>The client's deadline, or now + Gateway:DefaultDeadline when it set none; and who is asking.</summary>
    private JobContext Job(ServerCallContext context) => new(
        context.Deadline == DateTime.MaxValue ? time.GetUtcNow().UtcDateTime + options.Value.DefaultDeadline : context.Deadline,
        Caller(context));

    /// <summary>The name CallerGate authenticated (the peer address when authentication is off): budget and fair share count by it.</summary>
    private static string Caller(ServerCallContext context) =>
        (CallerGate.Of(context.GetHttpContext()) ?? CallerIdentity.Peer(context.GetHttpContext())).Name;

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
        catch (Exception ex) when (ex is not RpcException && (context.CancellationToken.IsCancellationRequested || ex is IOException))
        {
            // A client reset surfaces as OperationCanceledException or IOException from the request stream, sometimes
            // before the call's token is flagged; both are "cancelled", not server errors.
            throw GrpcErrors.ToRpcException(GrpcErrors.Ended(context.Deadline <= time.GetUtcNow().UtcDateTime));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw GrpcErrors.ToRpcException(Unexpected(method, ex));
        }
    }
}
