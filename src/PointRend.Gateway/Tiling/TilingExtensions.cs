using PointRend.Hosting;

namespace PointRend.Gateway.Tiling;

public static class TilingExtensions
{
    /// <summary>Option <c>Tiling</c>, validated at start; the segmenter itself is composed in <c>RequestPipeline</c>.</summary>
    public static IServiceCollection AddTilingOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TilingOptions>(configuration, TilingOptions.SectionName, o => o.Validate());
        return services;
    }
}
