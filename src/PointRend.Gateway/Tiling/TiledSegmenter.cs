using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Core.Tiling;
using PointRend.Imaging;
using PointRend.Inference;

namespace PointRend.Gateway.Tiling;

/// <summary>
/// Decodes the image once, cuts it into overlapping tiles (<see cref="TileGrid"/>), runs every tile as its own job
/// through the runner (queue, workers and cache see ordinary raw-image requests), at most
/// <see cref="TilingOptions.MaxTilesInFlight"/> at a time, each cut only when it starts, and stitches the labels by
/// keeping each tile's centre. Each kept centre is handed to <c>onTile</c> as soon as its tile completes.
/// </summary>
/// <remarks>
/// Tiles run at input resolution, so a request for another output size is not tiled. The uncertainty map is stitched
/// from the tiles' own maps, like the labels. Instance models are never tiled (Segment runs them whole; SegmentTiled
/// refuses them with TASK_MISMATCH).
/// </remarks>
public sealed partial class TiledSegmenter(ISegmentJobRunner runner, ModelManifests models, TilingOptions options, InferenceOptions limits)
{
    /// <summary>The runner tiles go to (below the tiling decorator, so a tile is never tiled again).</summary>
    public ISegmentJobRunner Runner => runner;

    /// <summary>True when the image is larger than the tile size and the output is at input resolution.</summary>
    public bool ShouldTile(SegmentRequest request) =>
        options.TileSize > 0 && models.FindInstance(request.Options?.Model) is null && Size(request) is { } size && (size.Width > options.TileSize || size.Height > options.TileSize) && AtInputSize(request, size);

    public async Task<SegmentResponse> RunAsync(SegmentRequest request, JobContext job, Func<TileResult, Task>? onTile, CancellationToken cancellationToken)
    {
        if (models.FindInstance(request.Options?.Model) is { } instance)
        {
            // Refused rather than stitched: instances crossing tile borders would need merging, and the detector resizes
            // any photo to about 384x512 anyway, so one untiled run is both correct and cheaper.
            throw InferenceErrors.TaskMismatch(
                "options.model",
                $"SegmentTiled does not tile instance models and '{instance.Name}' is one: its detector resizes every photo to " +
                $"{instance.Input.Resize.ShortSide} px on the shorter side, so send the whole image with Segment");
        }

        var start = Stopwatch.GetTimestamp();
        var image = Decode(request);
        if (!AtInputSize(request, (image.Width, image.Height)))
        {
            throw new SegmentationException(SegmentationErrorKind.InvalidArgument, ErrorReason.OptionInvalid,
                $"tiles run at input resolution ({image.Width}x{image.Height}); leave options.output_width and output_height at 0", "options.output_width");
        }

        var model = models.Find(request.Options?.Model)
            ?? throw InferenceErrors.UnknownModel(request.Options?.Model ?? string.Empty, models.Names);
        var size = options.TileSize > 0 ? options.TileSize : Math.Max(image.Width, image.Height);
        var plan = TileGrid.Plan(image.Width, image.Height, size, Math.Min(options.Overlap, size / 2 - 1), Math.Max(1, model.Coarse.Stride));
        var wantUncertainty = request.Options?.Outputs is { UncertaintyPng: true } or { UncertaintyRaw: true };

        PointRend.Queueing.QueueMetrics.Tiles.Inc(plan.Count);
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var labels = new byte[image.Width * image.Height];
        var uncertainty = wantUncertainty ? new byte[labels.Length] : null;
        var first = default(SegmentResponse);
        var allHits = true;
        var points = 0;

        // Tiles are cut as they start and at most MaxTilesInFlight of a request are queued or running at once, so a
        // request holds that many crops and engine working sets rather than all of them (issue 12: 804 MB for 4096x4096).
        var running = new List<Task<TileRun>>(Math.Min(options.MaxTilesInFlight, plan.Count));
        var next = 0;
        try
        {
            while (next < plan.Count && running.Count < options.MaxTilesInFlight)
            {
                running.Add(RunTileAsync(request, image, plan[next++], wantUncertainty, job, failFast.Token));
            }

            while (running.Count > 0)
            {
                var done = await Task.WhenAny(running).WaitAsync(cancellationToken).ConfigureAwait(false);
                running.Remove(done);
                var (tile, response) = await done.ConfigureAwait(false);
                if (next < plan.Count)
                {
                    // Started before stitching, so the worker this tile freed has the next one while we paste.
                    running.Add(RunTileAsync(request, image, plan[next++], wantUncertainty, job, failFast.Token));
                }

                var kept = TileGrid.Keep(response.ClassRaw.Span, tile);
                TileGrid.Paste(kept, tile, labels, image.Width);
                if (uncertainty is not null)
                {
                    TileGrid.Paste(TileGrid.Keep(response.UncertaintyRaw.Span, tile), tile, uncertainty, image.Width);
                }

                first ??= response;
                allHits &= response.CacheHit;
                points += response.PointsRefined;
                if (onTile is not null)
                {
                    await onTile(new TileResult
                    {
                        Index = tile.Index, X = tile.KeepX, Y = tile.KeepY, Width = tile.KeepWidth, Height = tile.KeepHeight,
                        ClassRaw = UnsafeByteOperations.UnsafeWrap(kept),
                    }).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            // One failed tile fails the request; the others are withdrawn rather than left to run for nobody.
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }

        return Assemble(request, image, model, labels, uncertainty, first!, allHits, points, plan.Count, start);
    }

    private readonly record struct TileRun(Tile Tile, SegmentResponse Response);

    private async Task<TileRun> RunTileAsync(
        SegmentRequest request, RgbImage image, Tile tile, bool wantUncertainty, JobContext job, CancellationToken cancellationToken)
    {
        var options = request.Options?.Clone() ?? new SegmentOptions();
        options.OutputWidth = 0;
        options.OutputHeight = 0;
        options.Outputs = new OutputSelection { ClassRaw = true, UncertaintyRaw = wantUncertainty };
        var length = tile.Width * tile.Height * 3;
        var crop = ArrayPool<byte>.Shared.Rent(length);
        TileGrid.Crop(image.Pixels, image.Width, 3, tile, crop.AsSpan(0, length));
        var tileRequest = new SegmentRequest
        {
            CorrelationId = $"{request.CorrelationId}#tile{tile.Index}",
            Options = options,
            Image = new Image { Raw = new RawImage { Rgb = UnsafeByteOperations.UnsafeWrap(crop.AsMemory(0, length)), Width = tile.Width, Height = tile.Height } },
        };
        var response = await runner.RunAsync(tileRequest, job, cancellationToken).ConfigureAwait(false);

        // Only a completed tile returns its crop: a cancelled or failed one may still be read by a worker, so its
        // buffer is left to the collector.
        ArrayPool<byte>.Shared.Return(crop);
        return new TileRun(tile, response);
    }

    /// <summary>Pixels of an image the edge already validated; only a bad encoded body can still be found here.</summary>
    private RgbImage Decode(SegmentRequest request)
    {
        var image = request.Image!;
        // The received bytes are read in place, not copied: for a raw 4096x4096 image a copy is another 50 MB (issue 12).
        if (image.SourceCase == Image.SourceOneofCase.Raw)
        {
            return new RgbImage(WholeArray(image.Raw.Rgb), image.Raw.Width, image.Raw.Height);
        }

        try
        {
            return ImageDecoder.DecodeRgb8(WholeArray(image.Encoded), new ImageLimits(limits.MaxImagePixels, limits.MaxImageSide));
        }
        catch (ImageException ex)
        {
            throw InferenceErrors.BadImage(ex, "image.encoded", limits);
        }
    }

    /// <summary>A parsed ByteString is usually exactly one array, so this is no copy; otherwise one copy.</summary>
    private static byte[] WholeArray(ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToByteArray();

    /// <summary>The image size from the header (no decode); null when it cannot be read (the pipeline will say why).</summary>
    private static (int Width, int Height)? Size(SegmentRequest request)
    {
        switch (request.Image?.SourceCase)
        {
            case Image.SourceOneofCase.Raw:
                return (request.Image.Raw.Width, request.Image.Raw.Height);
            case Image.SourceOneofCase.Encoded:
                try
                {
                    var header = ImageProbe.Probe(request.Image.Encoded.Span);
                    return (header.Width, header.Height);
                }
                catch (ImageException)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    private static bool AtInputSize(SegmentRequest request, (int Width, int Height) size) =>
        request.Options is not { } o
        || ((o.OutputWidth == 0 || o.OutputWidth == size.Width) && (o.OutputHeight == 0 || o.OutputHeight == size.Height));
}
