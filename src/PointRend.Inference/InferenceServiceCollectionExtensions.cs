using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;

namespace PointRend.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>One <see cref="SegmentProcessor"/> per process (it owns the ONNX sessions), for gateway and worker alike.</summary>
    public static IServiceCollection AddSegmentProcessor(this IServiceCollection services)
    {
        services.AddSingleton(sp => SegmentProcessor.Create(
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<ISegmentProcessor>(sp => sp.GetRequiredService<SegmentProcessor>());
        return services;
    }
}
