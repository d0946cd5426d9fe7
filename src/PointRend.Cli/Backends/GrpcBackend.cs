using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using PointRend.Client;
using PointRend.Contracts.V1;

namespace PointRend.Cli.Backends;

/// <summary>A gateway over gRPC, through the typed client (<see cref="PointRendClient"/>): its deadline, retries and errors.</summary>
public sealed class GrpcBackend : ISegmentBackend
{
    /// <param name="localAddress">Source address of the connections (e.g. 127.0.0.2 on loopback), so the gateway,
    /// which tells callers apart by peer address, sees another caller; null = the system's choice.</param>
    public GrpcBackend(string server, IPAddress? localAddress = null)
        : this(new ServerConnection(server), localAddress)
    {
    }

    /// <param name="connection">The gateway with its credentials and TLS settings.</param>
    /// <param name="localAddress">As above.</param>
    public GrpcBackend(ServerConnection connection, IPAddress? localAddress = null)
    {
        Client = connection.CreateClient(localAddress);
        Description = connection.Address;
    }

    public string Description { get; }

    /// <summary>The typed client, for calls the backend interface does not cover (video).</summary>
    public PointRendClient Client { get; }

    public Task<SegmentResponse> SegmentAsync(SegmentRequest request, CancellationToken cancellationToken) =>
        Client.SegmentAsync(request, cancellationToken: cancellationToken);

    /// <summary>
    /// Sends <paramref name="frames"/> in order over one SegmentStream while reading the results, as a video client
    /// does: at <paramref name="fps"/> frames per second like a camera, or as fast as the stream takes them (0).
    /// Returns each frame's time from being written to its result being read, in milliseconds.
    /// </summary>
    public async Task<(double[] LatenciesMs, SegmentResponse[] Responses)> StreamAsync(IReadOnlyList<SegmentRequest> frames, double fps, CancellationToken cancellationToken)
    {
        var sent = new long[frames.Count];
        var latencies = new double[frames.Count];
        var responses = new SegmentResponse[frames.Count];
        var n = 0;
        await foreach (var answer in Client.SegmentStreamAsync(Paced(frames, fps, sent, cancellationToken), cancellationToken: cancellationToken))
        {
            latencies[n] = Stopwatch.GetElapsedTime(sent[n]).TotalMilliseconds; // results come back in input order
            responses[n++] = answer.IsProcessed
                ? answer.Result!
                : throw new InvalidOperationException($"frame {answer.Sequence} was {answer.Status}: {answer.Error?.StatusCode} {answer.Error?.ReasonName} {answer.Error?.Message}");
        }

        if (n != frames.Count)
        {
            throw new InvalidOperationException($"the stream ended after {n} of {frames.Count} frames");
        }

        return (latencies, responses);
    }

    /// <summary>The frames at <paramref name="fps"/> (0 = unpaced), recording when each was handed to the stream.</summary>
    private static async IAsyncEnumerable<Frame> Paced(IReadOnlyList<SegmentRequest> frames, double fps, long[] sent,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < frames.Count; i++)
        {
            if (fps > 0 && TimeSpan.FromSeconds(i / fps) - Stopwatch.GetElapsedTime(start) is { } due && due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            sent[i] = Stopwatch.GetTimestamp();
            yield return new Frame { Sequence = (ulong)i, Image = frames[i].Image, Options = frames[i].Options };
        }
    }

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

    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken) =>
        new() { Models = { await Client.ListModelsAsync(cancellationToken: cancellationToken) } };

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}
