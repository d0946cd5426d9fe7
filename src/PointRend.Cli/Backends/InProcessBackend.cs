using Microsoft.Extensions.Logging;
using PointRend.Contracts.V1;
using PointRend.Inference;

namespace PointRend.Cli.Backends;

/// <summary>Runs the same <see cref="SegmentProcessor"/> the gateway's workers run, without a server.</summary>
public sealed class InProcessBackend : ISegmentBackend
{
    private readonly SegmentProcessor _processor;
    private readonly ILoggerFactory _loggerFactory;

    private InProcessBackend(SegmentProcessor processor, ILoggerFactory loggerFactory)
    {
        _processor = processor;
        _loggerFactory = loggerFactory;
    }

    public string Description => "in-process";

    public static InProcessBackend Create(string? modelsPath, string provider, Action<InferenceOptions>? configure = null)
    {
        // Logs go to stderr so that `eval --json` and friends keep stdout machine-readable.
        var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning));
        var options = new InferenceOptions { ExecutionProvider = provider };
        if (!string.IsNullOrEmpty(modelsPath))
        {
            options.ModelsPath = modelsPath;
        }

        configure?.Invoke(options);

        return new InProcessBackend(SegmentProcessor.Create(options, loggerFactory), loggerFactory);
    }

    public Task<SegmentResponse> SegmentAsync(SegmentRequest request, CancellationToken cancellationToken)
    {
        return Task.FromResult(_processor.Process(request, cancellationToken));
    }

    public Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken)
    {
        return Task.FromResult(_processor.ListModels());
    }

    public ValueTask DisposeAsync()
    {
        (_processor as IDisposable)?.Dispose();
        _loggerFactory.Dispose();
        return ValueTask.CompletedTask;
    }
}
