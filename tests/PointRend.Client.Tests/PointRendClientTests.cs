using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Client.Tests;

/// <summary>The typed client, made by <c>AddPointRendClient</c>, against the real gateway over loopback.</summary>
public sealed class PointRendClientTests(ClientFixture fixture) : IClassFixture<ClientFixture>, IDisposable
{
    private readonly TestLogSink _clientLogs = new();
    private readonly List<ServiceProvider> _services = [];

    private PointRendClient Client(Action<PointRendClientOptions>? configure = null)
    {
        var services = fixture.Services(_clientLogs, configure);
        _services.Add(services);
        return services.GetRequiredService<PointRendClient>();
    }

    private int Retries => _clientLogs.Entries.Count(e => e.EventId.Name == "CallRetried");

    [Fact]
    public async Task SegmentAsync_SampleFrame_ReturnsItsLabelMap()
    {
        var response = await Client().SegmentAsync(Requests.Segment(new SegmentOptions { Outputs = new OutputSelection { ClassRaw = true } }, "typed"))
            .DefaultTimeout();

        Assert.Equal(("typed", 480, 360), (response.CorrelationId, response.Width, response.Height));
        Assert.Equal(480 * 360, response.ClassRaw.Length);
        Assert.Equal("camvid", response.Model);
        fixture.Server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task ListModelsAsync_ReturnsTheDefaultModelWithItsLimits()
    {
        var models = await Client().ListModelsAsync().DefaultTimeout();

        var camvid = Assert.Single(models, m => m.IsDefault);
        Assert.Equal("camvid", camvid.Name);
        Assert.True(camvid.MaxPoints >= camvid.DefaultPoints && camvid.DefaultPoints > 0);
        Assert.True(camvid.DefaultMaxGap > 0, $"default_max_gap is {camvid.DefaultMaxGap}; the model's bound (or +Infinity for none) must be positive");
    }

    [Fact]
    public async Task SegmentAsync_PointsOverTheModelsLimit_ThrowsInvalidArgumentNamingReasonAndField()
    {
        var client = Client();
        var max = (await client.ListModelsAsync().DefaultTimeout()).Single(m => m.IsDefault).MaxPoints;

        var ex = await Assert.ThrowsAsync<PointRendException>(() =>
            client.SegmentAsync(Requests.Segment(new SegmentOptions { PointsPerStep = max + 1 }))).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(ErrorReason.OptionInvalid, ex.Reason);
        Assert.Equal("OPTION_INVALID", ex.ReasonName);
        var field = Assert.Single(ex.FieldViolations);
        Assert.Equal("options.points_per_step", field.Field);
        Assert.Contains($"{max + 1}", field.Description, StringComparison.Ordinal);
        Assert.Null(ex.RetryDelay);
        Assert.False(ex.IsRetryable);
        Assert.Equal(0, Retries); // the same request fails the same way: never retried
    }

    [Fact]
    public async Task SegmentAsync_UnknownModel_ThrowsNotFoundNamingTheModel()
    {
        var ex = await Assert.ThrowsAsync<PointRendException>(() =>
            Client().SegmentAsync(Requests.Segment(new SegmentOptions { Model = "no-such-model" }))).DefaultTimeout();

        Assert.Equal((StatusCode.NotFound, ErrorReason.ModelNotFound, "no-such-model"), (ex.StatusCode, ex.Reason, ex.ResourceName));
    }

    [Fact]
    public async Task SegmentAsync_NoDeadlineGiven_ClientsDefaultDeadlineEndsTheCall()
    {
        // The gateway's own default is 30 s: only the client's default can end a 1.6 s request this early.
        var client = Client(o => o.DefaultDeadline = TimeSpan.FromMilliseconds(50));

        var ex = await Assert.ThrowsAsync<PointRendException>(() => client.SegmentAsync(Requests.Slow())).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(0, Retries);
    }

    [Fact]
    public async Task SegmentAsync_CancelledByTheCaller_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var call = Client().SegmentAsync(Requests.Slow(1), cancellationToken: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call).DefaultTimeout();
    }

    [Fact]
    public async Task SegmentTiledAsync_FrameLargerThanATile_TilesCoverTheStitchedResult()
    {
        var request = new SegmentTiledRequest
        {
            Image = Requests.Encoded(Requests.SamplePng),
            Options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } },
            CorrelationId = "tiled",
        };

        using var tiled = await Client().SegmentTiledAsync(request).DefaultTimeout();
        var tiles = new List<TileResult>();
        await foreach (var tile in tiled.ReadTilesAsync().WithCancellation(CancellationToken.None))
        {
            tiles.Add(tile);
        }

        var whole = await tiled.GetResultAsync().DefaultTimeout();

        // Assert: more than one tile; together they cover the output once, each equal to its part of the whole.
        Assert.True(tiles.Count > 1, $"{tiles.Count} tiles");
        Assert.Equal((whole.Tiles, "tiled"), (tiles.Count, whole.CorrelationId));
        Assert.Equal(whole.Width * whole.Height, tiles.Sum(t => t.Width * t.Height));
        foreach (var tile in tiles)
        {
            for (var row = 0; row < tile.Height; row++)
            {
                var expected = whole.ClassRaw.Span.Slice(((tile.Y + row) * whole.Width) + tile.X, tile.Width);
                Assert.True(expected.SequenceEqual(tile.ClassRaw.Span.Slice(row * tile.Width, tile.Width)), $"tile {tile.Index} row {row}");
            }
        }
    }

    [Fact]
    public async Task SegmentStreamAsync_FramesAndOneCorruptFrame_EveryFrameAnsweredInOrderWithItsStatus()
    {
        var frames = TestPaths.ValFrames(3).Select(File.ReadAllBytes).ToList();
        frames.Insert(1, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]); // a PNG signature and nothing else
        var config = new StreamConfig
        {
            Policy = StreamPolicy.All,
            Options = new SegmentOptions { Mode = RenderMode.Coarse, Outputs = new OutputSelection { ClassRaw = true } },
        };

        var answers = new List<FrameResult>();
        await foreach (var answer in Client().SegmentStreamAsync(Frames(frames), config))
        {
            answers.Add(answer);
        }

        Assert.Equal([10UL, 11, 12, 13], answers.Select(a => a.Sequence));
        Assert.Equal([FrameStatus.Processed, FrameStatus.Failed, FrameStatus.Processed, FrameStatus.Processed], answers.Select(a => a.Status));
        Assert.All(answers.Where(a => a.IsProcessed), a => Assert.Equal(480 * 360, a.Result!.ClassRaw.Length));
        var failed = answers[1].Error!;
        Assert.Equal(StatusCode.InvalidArgument, failed.StatusCode);
        Assert.StartsWith("IMAGE_", failed.ReasonName, StringComparison.Ordinal);
        Assert.Equal("image.encoded", Assert.Single(failed.FieldViolations).Field);
        Assert.All(answers, a => Assert.NotNull(a.State));
    }

    [Fact]
    public async Task SegmentStreamAsync_LeftAfterTheFirstAnswer_EndsTheCallAndStopsReadingFrames()
    {
        var produced = 0;
        async IAsyncEnumerable<Frame> Endless([EnumeratorCancellation] CancellationToken ct = default)
        {
            for (ulong i = 0; ; i++)
            {
                Interlocked.Increment(ref produced);
                yield return new Frame { Sequence = i, Image = Requests.Encoded(Requests.SamplePng), Options = new SegmentOptions { Mode = RenderMode.Coarse } };
                await Task.Yield();
                ct.ThrowIfCancellationRequested();
            }
        }

        async Task<FrameResult> FirstAsync()
        {
            await foreach (var answer in Client().SegmentStreamAsync(Endless()))
            {
                return answer; // leaves the loop: the enumerator is disposed here
            }

            throw new InvalidOperationException("no answer");
        }

        // Disposing the enumerator waits for its writer; with an endless source that returns only if the call was ended.
        var first = await FirstAsync().DefaultTimeout();

        Assert.Equal((0UL, FrameStatus.Processed), (first.Sequence, first.Status));
        var after = Volatile.Read(ref produced);
        Assert.True(after >= 1);
        var next = await Client().SegmentAsync(Requests.Segment(new SegmentOptions { Mode = RenderMode.Coarse })).DefaultTimeout();
        Assert.Equal(480, next.Width);
        Assert.Equal(after, Volatile.Read(ref produced)); // nothing reads the source any more
    }

    private static async IAsyncEnumerable<Frame> Frames(IEnumerable<byte[]> images)
    {
        ulong sequence = 10;
        foreach (var bytes in images)
        {
            await Task.Yield(); // as a camera would: frames arrive over time, not all at once
            yield return new Frame { Sequence = sequence++, CaptureTime = Timestamp.FromDateTime(DateTime.UtcNow), Image = new Image { Encoded = ByteString.CopyFrom(bytes) } };
        }
    }

    public void Dispose() => _services.ForEach(s => s.Dispose());
}
