using System.Net;
using System.Net.Sockets;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Backends;

public sealed class GrpcBackend : ISegmentBackend
{
    private readonly GrpcChannel _channel;
    private readonly SegmentationService.SegmentationServiceClient _client;

    /// <param name="localAddress">Source address of the connections (e.g. 127.0.0.2 on loopback), so the gateway,
    /// which tells callers apart by peer address, sees another caller; null = the system's choice.</param>
    public GrpcBackend(string server, IPAddress? localAddress = null)
    {
        // Frames for a 4x output can be tens of MB; the server enforces its own limit.
        _channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            HttpHandler = localAddress is null ? null : BoundTo(localAddress),
            DisposeHttpClient = true,
        });
        _client = new SegmentationService.SegmentationServiceClient(_channel);
        Description = server;
    }

    public string Description { get; }

    public async Task<SegmentResponse> SegmentAsync(SegmentRequest request, CancellationToken cancellationToken)
    {
        return await _client.SegmentAsync(request, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="frames"/> in order over one SegmentStream while reading the results, as a video client
    /// does: at <paramref name="fps"/> frames per second like a camera, or as fast as the stream takes them (0).
    /// Returns each frame's time from being written to its result being read, in milliseconds.
    /// </summary>
    public async Task<(double[] LatenciesMs, SegmentResponse[] Responses)> StreamAsync(IReadOnlyList<SegmentRequest> frames, double fps, CancellationToken cancellationToken)
    {
        using var call = _client.SegmentStream(cancellationToken: cancellationToken);
        var sent = new long[frames.Count];
        var writing = Task.Run(async () =>
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < frames.Count; i++)
            {
                if (fps > 0)
                {
                    var due = TimeSpan.FromSeconds(i / fps) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                sent[i] = Stopwatch.GetTimestamp();
                var frame = new Frame { Sequence = (ulong)i, Image = frames[i].Image, Options = frames[i].Options };
                await call.RequestStream.WriteAsync(new SegmentStreamRequest { Frame = frame }, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }, cancellationToken);

        var latencies = new double[frames.Count];
        var responses = new SegmentResponse[frames.Count];
        var n = 0;
        await foreach (var answer in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            latencies[n] = Stopwatch.GetElapsedTime(sent[n]).TotalMilliseconds; // results come back in input order
            responses[n++] = answer.Status == FrameStatus.Processed
                ? answer.Result
                : throw new InvalidOperationException($"frame {answer.Sequence} failed: {(StatusCode)answer.Error.Code} {answer.Error.Message}");
        }

        await writing;
        if (n != frames.Count)
        {
            throw new InvalidOperationException($"the stream ended after {n} of {frames.Count} frames");
        }

        return (latencies, responses);
    }

    /// <summary>A SegmentStream call of its own (video: <c>pointrend video</c>).</summary>
    public AsyncDuplexStreamingCall<SegmentStreamRequest, SegmentStreamResponse> OpenStream(CancellationToken cancellationToken) =>
        _client.SegmentStream(cancellationToken: cancellationToken);

    /// <summary>An HTTP handler whose connections leave from <paramref name="local"/> (any 127.x.y.z works on loopback).</summary>
    public static SocketsHttpHandler BoundTo(IPAddress local) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

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
