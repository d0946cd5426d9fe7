using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Inference;
using PointRend.Queueing.Redis;

namespace PointRend.Gateway.Tiling;

public static class TilingExtensions
{
    /// <summary>Wraps the registered runner: tiles of large images go to it one job per tile (each cached on its own).</summary>
    public static IServiceCollection AddTiling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TilingOptions>(configuration, TilingOptions.SectionName, o => o.Validate());
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(ISegmentJobRunner))
            ?? throw new InvalidOperationException($"register an {nameof(ISegmentJobRunner)} before {nameof(AddTiling)}");
        services.Remove(inner);
        services.AddSingleton(sp => new TiledSegmenter(
            (ISegmentJobRunner)Create(sp, inner),
            sp.GetRequiredService<SegmentProcessor>(),
            sp.GetRequiredService<IOptions<TilingOptions>>().Value,
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value));
        services.AddSingleton<ISegmentJobRunner>(sp =>
        {
            var segmenter = sp.GetRequiredService<TiledSegmenter>();
            return new TilingJobRunner(segmenter.Runner, segmenter);
        });
        return services;
    }

    private static object Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);
}
