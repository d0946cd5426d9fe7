using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Hosting;
using PointRend.Gateway.Tiling;
using PointRend.Inference;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>A tiled request's tiles go to the gateway's real pool (ONNX sessions) at most MaxTilesInFlight at a time.</summary>
public sealed class TilesInFlightTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>Passes every tile on to the pool and remembers how many of them were outstanding at once.</summary>
    private sealed class CountingRunner(ISegmentJobRunner inner) : ISegmentJobRunner
    {
        private int _inFlight;
        private int _calls;

        public int MostInFlight { get; private set; }

        public int Calls => _calls;

        public async Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var now = Interlocked.Increment(ref _inFlight);
            lock (this)
            {
                MostInFlight = Math.Max(MostInFlight, now);
            }

            try
            {
                return await inner.RunAsync(request, context, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private async Task<(SegmentResponse Response, CountingRunner Runner)> RunTiledAsync(int maxTilesInFlight)
    {
        var services = fixture.Server.Services;
        var runner = new CountingRunner(services.GetRequiredService<RequestPipeline>().Tiles.Runner);
        var tiling = new TilingOptions { TileSize = 192, Overlap = 32, MaxTilesInFlight = maxTilesInFlight };
        var segmenter = new TiledSegmenter(runner, services.GetRequiredService<ModelManifests>(), tiling, services.GetRequiredService<IOptions<InferenceOptions>>().Value);
        var request = TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true, UncertaintyRaw = true } }, id: $"cap{maxTilesInFlight}");
        var response = await segmenter.RunAsync(request, DateTime.UtcNow.AddMinutes(2), onTile: null, CancellationToken.None).DefaultTimeout();
        return (response, runner);
    }

    [Fact]
    public async Task TiledRequest_NeverHasMoreThanTheCapOfTilesOutstanding_AndStitchesTheSameLabels()
    {
        var (capped, cappedRunner) = await RunTiledAsync(maxTilesInFlight: 2);
        var (wide, wideRunner) = await RunTiledAsync(maxTilesInFlight: 64);

        // 480x360 at 192 px with 32 overlap: 3 x 3 tiles.
        Assert.Equal((9, 9), (capped.Tiles, cappedRunner.Calls));
        Assert.InRange(cappedRunner.MostInFlight, 1, 2);

        // Without a binding cap every tile is handed over before the first finishes, so the counter can see the cap broken.
        Assert.Equal(9, wideRunner.MostInFlight);
        Assert.True(capped.ClassRaw.Span.SequenceEqual(wide.ClassRaw.Span), "labels depend on how many tiles ran at once");
        Assert.True(capped.UncertaintyRaw.Span.SequenceEqual(wide.UncertaintyRaw.Span), "uncertainty depends on how many tiles ran at once");
        fixture.Server.AssertNoUnexpectedErrors();
    }
}
