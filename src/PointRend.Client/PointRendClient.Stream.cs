using System.Diagnostics;
using System.Runtime.CompilerServices;
using Grpc.Core;
using PointRend.Contracts.V1;

namespace PointRend.Client;

public sealed partial class PointRendClient
{
    /// <summary>
    /// A video over one SegmentStream call: <paramref name="config"/> (optional) and then <paramref name="frames"/> are
    /// sent while the answers are read, one per frame in the order sent, each with its status. Pace the frames in the
    /// source (a camera does); with <see cref="StreamPolicy.All"/> the service slows the sender by not reading.
    /// Never retried: frames already sent may have been served. Leaving the loop early cancels the call.
    /// </summary>
    /// <param name="frames">The frames, in the order to serve them; the stream's request side ends with them.</param>
    /// <param name="config">Options, policy and max age for the whole stream; null = the service's defaults.</param>
    /// <param name="deadline">UTC deadline of the whole stream; null = <see cref="PointRendClientOptions.StreamDeadline"/> (none by default).</param>
    /// <param name="cancellationToken">Cancels the call (and its retries); throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PointRendException">The call as a whole failed (a frame's own failure is a <see cref="FrameResult"/>).</exception>
    public async IAsyncEnumerable<FrameResult> SegmentStreamAsync(IAsyncEnumerable<Frame> frames, StreamConfig? config = null, DateTime? deadline = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        using var activity = StartActivity(nameof(SegmentationService.SegmentationServiceClient.SegmentStream));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = Grpc.SegmentStream(Call(Deadline(deadline, _options.StreamDeadline), stop.Token));
        var writing = WriteAsync(call.RequestStream, config, frames, stop);
        var finished = false;
        try
        {
            while (await ReadAsync(call, writing, activity, stop.Token, cancellationToken).ConfigureAwait(false) is { } answer)
            {
                yield return FrameResult.From(answer);
            }

            finished = true;
            await writing.ConfigureAwait(false); // the frame source's own failure, if any
        }
        finally
        {
            if (!finished)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAny(writing).ConfigureAwait(false); // ends with the call; its outcome no longer matters
            }
        }
    }

    private static async Task<SegmentStreamResponse?> ReadAsync(AsyncDuplexStreamingCall<SegmentStreamRequest, SegmentStreamResponse> call, Task writing,
        Activity? activity, CancellationToken stopToken, CancellationToken callerToken)
    {
        try
        {
            return await call.ResponseStream.MoveNext(stopToken).ConfigureAwait(false) ? call.ResponseStream.Current : null;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException && writing.IsFaulted)
        {
            await writing.ConfigureAwait(false); // the frame source failed and ended the call: report that, not the cancellation
            throw;
        }
        catch (RpcException ex)
        {
            throw Failed(ex, activity, callerToken);
        }
    }

    /// <summary>Config, frames, end of stream; a failing frame source cancels the call and is rethrown by the reader.</summary>
    private static async Task WriteAsync(IClientStreamWriter<SegmentStreamRequest> writer, StreamConfig? config, IAsyncEnumerable<Frame> frames,
        CancellationTokenSource stop)
    {
        try
        {
            if (config is not null)
            {
                await writer.WriteAsync(new SegmentStreamRequest { Config = config }, stop.Token).ConfigureAwait(false);
            }

            await foreach (var frame in frames.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                await writer.WriteAsync(new SegmentStreamRequest { Frame = frame }, stop.Token).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException || (ex is OperationCanceledException && stop.IsCancellationRequested))
        {
            // The call ended (failed, finished or was left): the reader reports why.
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
