namespace PointRend.Cli.Instances;

/// <summary>Instance requests to a gateway: not served over the API yet, so this says so before sending anything.</summary>
public sealed class GrpcInstanceBackend(string server) : IInstanceBackend
{
    public string Description => server;

    public Task<InstancePrediction> SegmentAsync(byte[] encoded, InstanceRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            $"instance model '{request.Model}' cannot run through --server {server} yet: the gateway API does not return instance results; run without --server (in-process)");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
