using Grpc.Net.Client;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Backends;

public sealed class GrpcBackend : ISegmentBackend
{
    private readonly GrpcChannel _channel;
    private readonly Segmentation.SegmentationClient _client;

    public GrpcBackend(string server)
    {
        // Frames for a 4x output can be tens of MB; the server enforces its own limit.
        _channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
        _client = new Segmentation.SegmentationClient(_channel);
        Description = server;
    }

    public string Description { get; }

    public async Task<SegmentResponse> SegmentAsync(SegmentRequest request, CancellationToken cancellationToken)
    {
        return await _client.SegmentAsync(request, cancellationToken: cancellationToken);
    }

    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken)
    {
        return await _client.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
