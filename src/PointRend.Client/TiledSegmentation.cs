using System.Diagnostics;
using System.Runtime.CompilerServices;
using Grpc.Core;
using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>
/// A SegmentTiled call in progress: tiles as they finish (<see cref="ReadTilesAsync"/>), then the stitched whole
/// (<see cref="GetResultAsync"/>). Read by one consumer at a time; dispose to end the call early.
/// </summary>
public sealed class TiledSegmentation : IDisposable
{
    private readonly AsyncServerStreamingCall<SegmentTiledResponse> _call;
    private readonly Activity? _activity;
    private readonly CancellationToken _callToken;
    private SegmentTiledResponse? _first;
    private int _tilesRead;

    internal TiledSegmentation(AsyncServerStreamingCall<SegmentTiledResponse> call, SegmentTiledResponse first, Activity? activity, CancellationToken callToken)
    {
        _call = call;
        _first = first;
        _activity = activity;
        _callToken = callToken;
        Complete(first);
    }

    /// <summary>The stitched whole once it arrived; null before.</summary>
    public SegmentResponse? Result { get; private set; }

    /// <summary>Tiles read so far.</summary>
    public int TilesRead => _tilesRead;

    /// <summary>Each tile's class ids as soon as the tile is done; ends when the stitched whole arrives (then <see cref="Result"/> is set).</summary>
    /// <exception cref="PointRendException">The call failed after it started (never retried: tiles were already delivered).</exception>
    public async IAsyncEnumerable<TileResult> ReadTilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await NextAsync(cancellationToken).ConfigureAwait(false) is { } part)
        {
            if (part.PartCase == SegmentTiledResponse.PartOneofCase.Tile)
            {
                Interlocked.Increment(ref _tilesRead);
                yield return part.Tile;
            }
            else if (part.PartCase == SegmentTiledResponse.PartOneofCase.Result)
            {
                yield break;
            }
        }
    }

    /// <summary>The stitched whole; tiles not yet read are skipped.</summary>
    /// <exception cref="PointRendException">The call failed, or ended without a result.</exception>
    public async Task<SegmentResponse> GetResultAsync(CancellationToken cancellationToken = default)
    {
        while (Result is null)
        {
            if (await NextAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw new PointRendException(StatusCode.Internal, "the service ended SegmentTiled without the stitched result");
            }
        }

        return Result;
    }

    private async Task<SegmentTiledResponse?> NextAsync(CancellationToken cancellationToken)
    {
        if (_first is { } first)
        {
            _first = null;
            return first;
        }

        if (Result is not null)
        {
            return null;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken);
        try
        {
            if (!await _call.ResponseStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (RpcException ex)
        {
            throw PointRendClient.Failed(ex, _activity, linked.Token);
        }

        var part = _call.ResponseStream.Current;
        Complete(part);
        return part;
    }

    private void Complete(SegmentTiledResponse part)
    {
        if (part.PartCase == SegmentTiledResponse.PartOneofCase.Result)
        {
            Result = part.Result;
            _activity?.SetTag("pointrend.tiles", part.Result.Tiles);
            _activity?.Stop();
        }
    }

    /// <summary>Ends the call (cancelling it on the server when the result has not arrived).</summary>
    public void Dispose()
    {
        _call.Dispose();
        _activity?.Dispose();
    }
}
