using Google.Protobuf;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>The deployment of README "Distributed mode" with Redis credentials: gateway and a worker process as an ACL user.</summary>
public sealed class AclUserClusterTests(AclUserCluster cluster) : IClassFixture<AclUserCluster>
{
    [Fact]
    public async Task GatewayAndWorkerAsAnAclUser_ServeARequest()
    {
        var request = new SegmentRequest
        {
            CorrelationId = "acl",
            Image = new Image { Encoded = ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) },
            Options = new SegmentOptions { Mode = RenderMode.Coarse },
        };

        var response = await cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();

        Assert.Equal((480, 360), (response.Width, response.Height));
        Assert.Contains(",user=pointrend,", cluster.ClientConfiguration, StringComparison.Ordinal);
        Assert.Empty(cluster.Gateway.UnexpectedErrors("HealthCheckEnd")); // NOT_SERVING until the worker has joined
        Assert.DoesNotContain("AuthenticationFailure", cluster.WorkerOutput, StringComparison.Ordinal);
    }
}
