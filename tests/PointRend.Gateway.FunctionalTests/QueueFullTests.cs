using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

public sealed class QueueFullTests
{
    [Fact]
    public async Task Segment_QueueFull_ResourceExhaustedAtOnceThenServesAgain()
    {
        // Arrange: one worker, one waiting slot; the rest of a burst must be refused, not queued.
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["WorkerPool:Workers"] = "1",
            ["WorkerPool:QueueCapacity"] = "1",
        });
        var slow = new SegmentOptions { Mode = RenderMode.Dense, OutputWidth = 960, OutputHeight = 720 };

        // Act
        var calls = Enumerable.Range(0, 6)
            .Select(_ => server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, slow)).ResponseAsync)
            .ToList();
        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c;
                return (StatusCode.OK, "");
            }
            catch (RpcException ex)
            {
                return (ex.StatusCode, ex.Status.Detail);
            }
        })).DefaultTimeout();

        // Assert
        var refused = outcomes.Where(o => o.Item1 == StatusCode.ResourceExhausted).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, o => Assert.Contains("WorkerPool:QueueCapacity", o.Item2, StringComparison.Ordinal));
        Assert.Contains(outcomes, o => o.Item1 == StatusCode.OK);
        Assert.All(outcomes, o => Assert.True(o.Item1 is StatusCode.OK or StatusCode.ResourceExhausted, o.ToString()));
        var after = await server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse })).ResponseAsync.DefaultTimeout();
        Assert.Equal(480, after.Width);
        server.AssertNoUnexpectedErrors();
    }
}
