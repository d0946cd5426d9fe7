using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using PointRend.Contracts;
using PointRend.Gateway.Services;
using PointRend.Queueing;

namespace PointRend.Gateway.Security;

/// <summary>
/// Every SegmentationService call passes here first: who is calling (<see cref="CallerAuthenticator"/>), may it call
/// this method, and is it within its rate and open calls (<see cref="CallerLimits"/>). The identity is left on the
/// HttpContext for the service, whose caller budget and fair sharing use the same name.
/// </summary>
/// <remarks>
/// Middleware rather than a gRPC interceptor: it answers before gRPC reads the request message, so a caller without
/// credentials cannot make the server read up to Gateway:MaxReceiveMessageSize first. Only SegmentationService's path
/// passes through it (<see cref="UseCallerGate"/>), so gRPC health and reflection answer without credentials.
/// </remarks>
public sealed class CallerGate(RequestDelegate next, CallerAuthenticator authenticator, CallerLimits limits, ILogger<CallerGate> logger)
{
    private static readonly PathString ServicePath = "/" + MethodPermissions.ServiceName;

    public static void UseCallerGate(WebApplication app) =>
        app.UseWhen(http => http.Request.Path.StartsWithSegments(ServicePath), branch => branch.UseMiddleware<CallerGate>());

    /// <summary>The identity of the call, as <see cref="CallerGate"/> left it; null for calls it did not see.</summary>
    public static CallerIdentity? Of(HttpContext http) => http.Features.Get<CallerIdentity>();

    public async Task InvokeAsync(HttpContext http)
    {
        var method = MethodPermissions.ShortName(http.Request.Path);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await GateAsync(http, method).ConfigureAwait(false);
        }
        finally
        {
            // Every call of the service, refused ones too: the one place that sees them all with their final status.
            QueueMetrics.GatewayRequests.WithLabels(method, GrpcStatusOf(http)).Inc();
            QueueMetrics.GatewayRequestTime.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds, method);
        }
    }

    private async Task GateAsync(HttpContext http, string method)
    {
        IDisposable? permit;
        try
        {
            var caller = await authenticator.AuthenticateAsync(http).ConfigureAwait(false);
            if (!MethodPermissions.Allows(caller.Methods, method))
            {
                throw SecurityErrors.NotAllowed(caller, method);
            }

            permit = limits.Enter(caller.Name);
            http.Features.Set(caller);
        }
        catch (SegmentationException ex)
        {
            GatewayLog.RequestRefused(logger, ex.InnerException, method, GrpcErrors.ToStatusCode(ex.Kind), ex.Message);
            GrpcErrors.WriteTrailersOnly(http.Response, ex);
            return;
        }

        using (permit)
        {
            await next(http).ConfigureAwait(false);
        }
    }

    private static readonly string[] StatusNames = Enum.GetValues<StatusCode>().Select(c => c.ToString()).ToArray();

    /// <summary>The call's grpc-status (a trailer, or a header of a trailers-only answer) as its enum name, e.g. <c>OK</c>, <c>Unauthenticated</c>.</summary>
    private static string GrpcStatusOf(HttpContext http)
    {
        var value = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] is { Count: > 0 } trailer
            ? trailer.ToString()
            : http.Response.Headers["grpc-status"].ToString();
        return int.TryParse(value, out var code) && code >= 0 && code < StatusNames.Length ? StatusNames[code] : "Unknown";
    }
}
