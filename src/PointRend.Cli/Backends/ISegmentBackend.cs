using PointRend.Contracts.V1;

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
    public static ISegmentBackend Open(string? server, string? modelsPath, string provider)
    {
        return string.IsNullOrEmpty(server)
            ? InProcessBackend.Create(modelsPath, provider)
            : new GrpcBackend(server);
    }
}
