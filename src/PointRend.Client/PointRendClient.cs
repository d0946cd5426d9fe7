using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>
/// The typed client of <c>pointrend.v1.SegmentationService</c>: failures surface as <see cref="PointRendException"/>,
/// calls without a deadline get <see cref="PointRendClientOptions.DefaultDeadline"/>, and calls that failed retryably
/// before any answer are retried (see <see cref="PointRendClientOptions.MaxRetries"/>). Cancelling a token throws
/// <see cref="OperationCanceledException"/>. Thread-safe; made by <c>AddPointRendClient</c> or <see cref="Create"/>.
/// </summary>
public sealed partial class PointRendClient : IDisposable
{
    /// <summary>Name of the <see cref="System.Diagnostics.ActivitySource"/> of the client's spans (one per logical call, covering its retries).</summary>
    public const string ActivitySourceName = "PointRend.Client";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly PointRendClientOptions _options;
    private readonly CallRetry _retry;
    private readonly Metadata? _headers;
    private readonly TimeProvider _time;
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>Wraps a generated client (from Grpc.Net.ClientFactory or a channel of the caller's).</summary>
    public PointRendClient(SegmentationService.SegmentationServiceClient grpc, PointRendClientOptions options, ILogger<PointRendClient>? logger = null,
        TimeProvider? time = null)
        : this(grpc, options, logger, time, ownedChannel: null)
    {
    }

    private PointRendClient(SegmentationService.SegmentationServiceClient grpc, PointRendClientOptions options, ILogger? logger, TimeProvider? time,
        GrpcChannel? ownedChannel)
    {
        ArgumentNullException.ThrowIfNull(grpc);
        ArgumentNullException.ThrowIfNull(options);
        Grpc = grpc;
        _options = options;
        _time = time ?? TimeProvider.System;
        _retry = new CallRetry(options, logger ?? NullLogger.Instance, _time);
        _ownedChannel = ownedChannel;
        if (options.Headers.Count > 0)
        {
            _headers = [];
            foreach (var (key, value) in options.Headers)
            {
                _headers.Add(key, value);
            }
        }
    }

    /// <summary>
    /// A client on a channel of its own, for code without dependency injection (a CLI, a script); disposing the
    /// client closes the channel.
    /// </summary>
    /// <param name="options">Address, deadlines, retries, headers.</param>
    /// <param name="handler">The HTTP handler, e.g. a SocketsHttpHandler with TLS or proxy settings; null = the default.</param>
    /// <param name="loggerFactory">Logs retries (event CallRetried) and the channel's own lines; null = none.</param>
    public static PointRendClient Create(PointRendClientOptions options, HttpMessageHandler? handler = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options);
        var channel = GrpcChannel.ForAddress(options.Address!, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = null,
            LoggerFactory = loggerFactory,
        });
        return new PointRendClient(new SegmentationService.SegmentationServiceClient(channel), options,
            loggerFactory?.CreateLogger<PointRendClient>(), time: null, channel);
    }

    /// <summary>The generated stub underneath, for what this API does not cover; its calls get no defaults.</summary>
    public SegmentationService.SegmentationServiceClient Grpc { get; }

    /// <summary>Segments one image.</summary>
    /// <param name="request">The image and options.</param>
    /// <param name="deadline">UTC deadline covering every attempt; null = now + <see cref="PointRendClientOptions.DefaultDeadline"/>.</param>
    /// <param name="cancellationToken">Cancels the call (and its retries); throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PointRendException">The service refused the request or could not answer it.</exception>
    public async Task<SegmentResponse> SegmentAsync(SegmentRequest request, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var callDeadline = Deadline(deadline, _options.DefaultDeadline);
        using var activity = StartActivity(nameof(SegmentationService.SegmentationServiceClient.Segment));
        var response = await _retry.ExecuteAsync(nameof(SegmentAsync), callDeadline, async ct =>
        {
            try
            {
                return await Grpc.SegmentAsync(request, Call(callDeadline, ct)).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw Failed(ex, activity, ct);
            }
        }, cancellationToken).ConfigureAwait(false);
        activity?.SetStatus(ActivityStatusCode.Ok); // a retry may have succeeded after a failed attempt
        return response;
    }

    /// <summary>The served models, their classes, colours and defaults.</summary>
    /// <param name="deadline">UTC deadline covering every attempt; null = now + <see cref="PointRendClientOptions.DefaultDeadline"/>.</param>
    /// <param name="cancellationToken">Cancels the call (and its retries); throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PointRendException">The service could not answer.</exception>
    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        var callDeadline = Deadline(deadline, _options.DefaultDeadline);
        using var activity = StartActivity(nameof(SegmentationService.SegmentationServiceClient.ListModels));
        var response = await _retry.ExecuteAsync(nameof(ListModelsAsync), callDeadline, async ct =>
        {
            try
            {
                return await Grpc.ListModelsAsync(new ListModelsRequest(), Call(callDeadline, ct)).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw Failed(ex, activity, ct);
            }
        }, cancellationToken).ConfigureAwait(false);
        activity?.SetStatus(ActivityStatusCode.Ok);
        return response.Models;
    }

    /// <summary>
    /// Starts a tiled segmentation and returns once its first tile arrived: read the tiles as they finish with
    /// <see cref="TiledSegmentation.ReadTilesAsync"/>, then the stitched whole with <see cref="TiledSegmentation.GetResultAsync"/>.
    /// Retried (when retryable) only until that first tile; dispose the result to end the call early.
    /// </summary>
    /// <param name="request">The image and options.</param>
    /// <param name="deadline">UTC deadline of the whole call; null = now + <see cref="PointRendClientOptions.DefaultDeadline"/>.</param>
    /// <param name="cancellationToken">Cancels the call (and its retries); throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PointRendException">The service refused the request or could not start it.</exception>
    public async Task<TiledSegmentation> SegmentTiledAsync(SegmentTiledRequest request, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var callDeadline = Deadline(deadline, _options.DefaultDeadline);
        var activity = StartActivity(nameof(SegmentationService.SegmentationServiceClient.SegmentTiled));
        try
        {
            return await _retry.ExecuteAsync(nameof(SegmentTiledAsync), callDeadline, async ct =>
            {
                var call = Grpc.SegmentTiled(request, Call(callDeadline, ct));
                try
                {
                    if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                    {
                        throw new PointRendException(StatusCode.Internal, "the service ended SegmentTiled without a tile or a result");
                    }

                    activity?.SetStatus(ActivityStatusCode.Ok);
                    return new TiledSegmentation(call, call.ResponseStream.Current, activity, cancellationToken);
                }
                catch (RpcException ex)
                {
                    call.Dispose();
                    throw Failed(ex, activity, ct);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the channel when <see cref="Create"/> made it; a client from dependency injection owns none.</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    private CallOptions Call(DateTime? deadline, CancellationToken cancellationToken) =>
        new(headers: _headers, deadline: deadline, cancellationToken: cancellationToken);

    private DateTime? Deadline(DateTime? deadline, TimeSpan fallback) =>
        deadline ?? (fallback == Timeout.InfiniteTimeSpan ? null : _time.GetUtcNow().UtcDateTime + fallback);

    private static Activity? StartActivity(string method)
    {
        var activity = Source.StartActivity($"pointrend.v1.SegmentationService/{method}", ActivityKind.Client);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("rpc.service", "pointrend.v1.SegmentationService");
        activity?.SetTag("rpc.method", method);
        return activity;
    }

    /// <summary>The caller's own cancellation stays an <see cref="OperationCanceledException"/>; everything else becomes typed.</summary>
    internal static Exception Failed(RpcException ex, Activity? activity, CancellationToken cancellationToken)
    {
        if (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("the call was cancelled by its caller", ex, cancellationToken);
        }

        var typed = PointRendException.From(ex);
        activity?.SetStatus(ActivityStatusCode.Error, typed.ReasonName ?? typed.StatusCode.ToString());
        return typed;
    }
}
