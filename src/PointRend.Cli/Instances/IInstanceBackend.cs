using PointRend.Cli.Backends;
using PointRend.Inference;

namespace PointRend.Cli.Instances;

/// <summary>Where instance requests run: the engine in this process, or a gateway over gRPC.</summary>
public interface IInstanceBackend : IAsyncDisposable
{
    string Description { get; }

    /// <param name="encoded">The PNG or JPEG file's bytes.</param>
    Task<InstancePrediction> SegmentAsync(byte[] encoded, InstanceRequest request, CancellationToken cancellationToken);
}

public static class InstanceBackends
{
    /// <summary>Through a gateway when <paramref name="server"/> is given, else through the SegmentProcessor in-process.</summary>
    public static IInstanceBackend Open(ServerConnection? server, string? modelsPath, string provider, Action<InferenceOptions>? configure = null) =>
        new InstanceClient(SegmentBackends.Open(server, modelsPath, provider, configure));
}
