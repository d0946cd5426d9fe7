using Grpc.Core;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>A message within Gateway:MaxReceiveMessageSize is read whatever Kestrel's own body limit (30,000,000 bytes).</summary>
public sealed class LargeMessageTests
{
    [Fact]
    public async Task Segment_RawMessageBetweenKestrelsDefaultAndTheDefaultMessageLimit_AnsweredByThePipeline()
    {
        // 31,000,000 bytes: over Kestrel's default body limit, under the default 32 MB message limit. Before the gateway
        // raised Kestrel's limit this call failed as UNKNOWN ("Exception was thrown by handler"). The bytes do not
        // match the stated size, so the pipeline answers at once, with its own status and reason.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Inference:WarmupFrames"] = "0",
            ["Cache:Enabled"] = "false",
        });
        var request = TestImages.Raw(new byte[31_000_000], 3000, 3000);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.SegmentAsync(request).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("27000000", ex.Status.Detail.Replace(",", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
