using Google.Protobuf;
using Grpc.Core;
using PointRend.Contracts.V1;
using PointRend.Core.Tiling;
using PointRend.Imaging;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>Images wider than Tiling:TileSize (1024 by default) through the distributed gateway.</summary>
public sealed class TilingTests(TwoWorkers cluster) : IClassFixture<TwoWorkers>
{
    /// <summary>Three CamVid val frames side by side: 1440 x 360, real content, two tiles at the default size.</summary>
    private static RawImage Panorama()
    {
        var frames = TestPaths.ValFrames(3).Select(f => ImageDecoder.DecodeRgb8(File.ReadAllBytes(f), new ImageLimits(1 << 24, 1 << 14))).ToList();
        int w = frames.Sum(f => f.Width), h = frames[0].Height;
        var rgb = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
        {
            var x0 = 0;
            foreach (var f in frames)
            {
                f.Pixels.AsSpan(y * f.Width * 3, f.Width * 3).CopyTo(rgb.AsSpan(((y * w) + x0) * 3));
                x0 += f.Width;
            }
        }

        return new RawImage { Rgb = ByteString.CopyFrom(rgb), Width = w, Height = h };
    }

    private static SegmentRequest Request(string id) => new()
    {
        CorrelationId = id,
        Image = new Image { Raw = Panorama() },
        Options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true, ClassPng = true } },
    };

    [Fact]
    public async Task SegmentTiledStreamsEachTilesCentreThenTheStitchedWhole()
    {
        using var call = cluster.Gateway.Client.SegmentTiled(Tiled(Request("tiled")));
        var parts = new List<SegmentTiledResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
            parts.Add(call.ResponseStream.Current);
        }

        var whole = Assert.Single(parts, p => p.PartCase == SegmentTiledResponse.PartOneofCase.Result).Result;
        Assert.Equal(SegmentTiledResponse.PartOneofCase.Result, parts[^1].PartCase);
        var tiles = parts.Where(p => p.PartCase == SegmentTiledResponse.PartOneofCase.Tile).Select(p => p.Tile).ToList();
        Assert.Equal(2, tiles.Count);
        Assert.Equal(2, whole.Tiles);
        Assert.Equal([0, 1], tiles.Select(t => t.Index).Order());
        Assert.Equal((1440, 360), (whole.Width, whole.Height));

        // The streamed centres are exactly the pieces of the whole.
        var rebuilt = new byte[1440 * 360];
        foreach (var t in tiles)
        {
            TileGrid.Paste(t.ClassRaw.Span, new Tile(t.Index, t.X, t.Y, t.Width, t.Height, t.X, t.Y, t.Width, t.Height), rebuilt, 1440);
        }

        Assert.Equal(whole.ClassRaw.ToByteArray(), rebuilt);
        var png = ImageDecoder.DecodeRgb8(whole.ClassPng.ToByteArray(), new ImageLimits(1 << 24, 1 << 14));
        Assert.Equal((1440, 360), (png.Width, png.Height));
    }

    [Fact]
    public async Task TiledLabelsThroughWorkersEqualTiledLabelsOfTheEmbeddedGateway()
    {
        await using var embedded = await GatewayServer.StartAsync(new Dictionary<string, string> { ["WorkerPool:Workers"] = "1" });

        var distributed = await cluster.Gateway.Client.SegmentAsync(Request("d")).ResponseAsync.DefaultTimeout();
        var local = await embedded.Client.SegmentAsync(Request("e")).ResponseAsync.DefaultTimeout();

        Assert.Equal(2, distributed.Tiles);
        Assert.Equal(2, local.Tiles);
        Assert.True(local.ClassRaw.Span.SequenceEqual(distributed.ClassRaw.Span), "tiled label maps differ between modes");
    }

    [Fact]
    public async Task RepeatedTiledRequestIsServedFromTheTileCache()
    {
        var request = Request("first");
        request.Options.PointsPerStep = 1000; // options no other test uses, so the first call misses

        var first = await cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();
        request.CorrelationId = "second";
        var second = await cluster.Gateway.Client.SegmentAsync(request).ResponseAsync.DefaultTimeout();

        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal(("second", 2), (second.CorrelationId, second.Tiles));
        Assert.Equal(first.ClassRaw, second.ClassRaw);
    }

    [Fact]
    public async Task SegmentTiledRejectsAnOutputSizeOtherThanTheInputs()
    {
        var request = Request("resize");
        request.Options.OutputWidth = 720;

        using var call = cluster.Gateway.Client.SegmentTiled(Tiled(request));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("input resolution", error.Status.Detail);
    }

    private static SegmentTiledRequest Tiled(SegmentRequest request) =>
        new() { Image = request.Image, Options = request.Options, CorrelationId = request.CorrelationId };
}
