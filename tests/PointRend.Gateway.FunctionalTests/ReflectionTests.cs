using Grpc.Reflection.V1Alpha;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

public sealed class ReflectionTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task ServerReflection_ListServices_IncludesSegmentationAndHealth()
    {
        // grpcurl (README) depends on reflection; this is the call it makes first.
        var client = new ServerReflection.ServerReflectionClient(fixture.Server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("pointrend.v1.SegmentationService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
