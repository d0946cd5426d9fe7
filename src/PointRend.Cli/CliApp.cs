using System.CommandLine;
using System.Security.Authentication;
using Grpc.Core;
using PointRend.Cli.Backends;
using PointRend.Cli.Commands;
using PointRend.Client;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Cli;

/// <summary>The <c>pointrend</c> command tree, and what a refused call or unusable option prints instead of a stack trace.</summary>
public static class CliApp
{
    public static RootCommand Root() => new("pointrend: PointRend segmentation from the command line, in-process or against a gateway")
    {
        SegmentCommand.Create(), EvalCommand.Create(), BenchCommand.Create(), FairnessCommand.Create(), VideoCommand.Create(), FigureCommand.Create(),
    };

    /// <summary>Runs <paramref name="args"/>; a gateway's refusal or bad connection options go to <paramref name="error"/> as one message.</summary>
    /// <returns>The command's exit code; 1 for a failed call, 2 for unusable connection options.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        try
        {
            return await Root().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = error });
        }
        catch (PointRendException ex)
        {
            await error.WriteLineAsync(Describe(ex));
            return 1;
        }
        catch (SegmentationException ex)
        {
            // In-process runs (no --server) refuse with the same reasons the gateway would send, not a stack trace.
            await error.WriteLineAsync(Describe(ex));
            return 1;
        }
        catch (ServerConnectionException ex)
        {
            await error.WriteLineAsync("pointrend: " + ex.Message);
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync(ex.ToString()); // as System.CommandLine's own handler did
            return 1;
        }
    }

    /// <summary>The status, reason and message of a failed call, and which option fixes it when that is known.</summary>
    public static string Describe(PointRendException ex)
    {
        var reason = ex.ReasonName is null ? "" : $" ({ex.ReasonName})";
        var hint = ex.StatusCode switch
        {
            StatusCode.Unauthenticated =>
                $"\n  pass an API key with --api-key or ${ServerOptions.ApiKeyVariable}, or a JWT with --token or ${ServerOptions.TokenVariable}",
            StatusCode.PermissionDenied => "\n  this credential may not call that method: ask for a key or token that allows it",
            _ when HasInner<AuthenticationException>(ex) =>
                "\n  the TLS handshake failed: for a server certificate from a private CA pass --ca-cert CA.pem; " +
                "a gateway that requires client certificates needs --client-cert and --client-key",
            _ => "",
        };
        return $"pointrend: the call failed: {StatusName(ex.StatusCode)}{reason}: {ex.Message}{hint}";
    }

    /// <summary>An in-process refusal: its kind, reason, field and message; oversized images point at the gateway's tiling.</summary>
    public static string Describe(SegmentationException ex)
    {
        var kind = string.Concat(ex.Kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
        var field = ex.Field is null ? "" : $" [{ex.Field}]";
        var hint = ex.Reason is ErrorReason.OutputTooLarge or ErrorReason.ImageTooLarge
            ? "\n  in-process segment does not tile: run the gateway and pass --server URL (SegmentTiled), or downscale the image"
            : "";
        return $"pointrend: refused: {kind} ({ex.Reason}){field}: {ex.Message}{hint}";
    }

    private static string StatusName(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    private static bool HasInner<T>(Exception ex)
        where T : Exception
    {
        // gRPC keeps the network's exception in Status.DebugException, not InnerException.
        for (var e = ex.InnerException; e is not null; e = e is RpcException rpc ? rpc.Status.DebugException : e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }
}
