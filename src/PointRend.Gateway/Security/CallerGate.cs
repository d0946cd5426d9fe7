using Grpc.Core;
using Grpc.Core.Interceptors;
using PointRend.Contracts;
using PointRend.Gateway.Services;

namespace PointRend.Gateway.Security;

/// <summary>
/// Every SegmentationService call passes here first: who is calling (<see cref="CallerAuthenticator"/>), may it call
/// this method, and is it within its rate and open calls (<see cref="CallerLimits"/>). The identity is left on the
/// HttpContext for the service, whose caller budget and fair sharing use the same name. Only SegmentationService is
/// intercepted, so gRPC health and reflection answer without credentials.
/// </summary>
public sealed class CallerGate(CallerAuthenticator authenticator, CallerLimits limits, ILogger<CallerGate> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var permit = await EnterAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var permit = await EnterAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var permit = await EnterAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var permit = await EnterAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    /// <summary>The identity of the call, as <see cref="CallerGate"/> left it; null for calls it did not see.</summary>
    public static CallerIdentity? Of(ServerCallContext context) => context.GetHttpContext().Features.Get<CallerIdentity>();

    private async Task<IDisposable?> EnterAsync(ServerCallContext context)
    {
        var method = MethodPermissions.ShortName(context.Method);
        try
        {
            var caller = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
            if (!MethodPermissions.Allows(caller.Methods, method))
            {
                throw SecurityErrors.NotAllowed(caller, method);
            }

            var permit = limits.Enter(caller.Name);
            context.GetHttpContext().Features.Set(caller);
            return permit;
        }
        catch (SegmentationException ex)
        {
            GatewayLog.RequestRefused(logger, ex.InnerException, method, GrpcErrors.ToStatusCode(ex.Kind), ex.Message);
            throw GrpcErrors.ToRpcException(ex);
        }
    }
}
