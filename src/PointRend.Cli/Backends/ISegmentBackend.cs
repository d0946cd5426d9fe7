using PointRend.Contracts.V1;
using PointRend.Inference;

namespace PointRend.Cli.Backends;

/// <summary>Where the CLI sends requests: the pipeline in this process, or a gateway over gRPC.
/// Both take the same <see cref="SegmentRequest"/>, so their label maps can be compared byte for byte.</summary>
public interface ISegmentBackend : IAsyncDisposable
{
    string Description { get; }

    Task<SegmentResponse> SegmentAsync(SegmentRequest request, CancellationToken cancellationToken);

    Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken);
}

public static class SegmentBackends
{
    /// <summary>A gRPC backend when <paramref name="server"/> is given, else the in-process pipeline.</summary>
    /// <param name="configure">Adjusts the in-process pipeline's options (ignored with a server: configure the gateway).</param>
    public static ISegmentBackend Open(ServerConnection? server, string? modelsPath, string provider, Action<InferenceOptions>? configure = null)
    {
        return server is null
            ? InProcessBackend.Create(modelsPath, provider, configure)
            : new GrpcBackend(server);
    }
}
