using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>A video client that hangs up mid-stream leaves nothing behind in Redis.</summary>
[Collection(DefaultTimingCollection.Name)]
public sealed class StreamCancelTests(TwoWorkers cluster) : IClassFixture<TwoWorkers>
{
    [Fact]
    public async Task StreamCancelledMidway_NoJobOrPayloadLeftInRedis()
    {
        using var cancel = new CancellationTokenSource();
        using var call = cluster.Gateway.Client.SegmentStream(cancellationToken: cancel.Token);
        var slow = new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720 };
        foreach (var (path, i) in TestPaths.ValFrames(8).Select((p, i) => (p, i)))
        {
            var frame = new Frame { Sequence = (ulong)i, Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(path)) }, Options = slow };
            await call.RequestStream.WriteAsync(new SegmentStreamRequest { Frame = frame }).DefaultTimeout();
        }

        await QueueHarness.WaitUntilAsync(async () => await cluster.Db.StreamLengthAsync(cluster.Keys.Jobs) > 0);
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();

        // Withdrawn payloads are deleted at once; their entries are dropped unprocessed when a worker reaches them.
        var server = cluster.Db.Multiplexer.GetServer(cluster.Db.Multiplexer.GetEndPoints()[0]);
        await QueueHarness.WaitUntilAsync(async () =>
            await cluster.Db.StreamLengthAsync(cluster.Keys.Jobs) == 0
            && !server.Keys(pattern: $"{cluster.Prefix}:job:*:request").Any());
    }
}
