using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts.V1;

namespace PointRend.Client;

/// <summary>Registers <see cref="PointRendClient"/> on Grpc.Net.ClientFactory.</summary>
public static class PointRendClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PointRendClient"/> (transient, over a factory-managed channel) and its options, validated
    /// when the first client is made. Returns the factory's builder for what belongs to the HTTP layer:
    /// <c>.AddCallCredentials(...)</c> for tokens, <c>.ConfigurePrimaryHttpMessageHandler(...)</c> for TLS settings.
    /// </summary>
    /// <example><code>services.AddPointRendClient(o => o.Address = new Uri("http://127.0.0.1:50051"));</code></example>
    public static IHttpClientBuilder AddPointRendClient(this IServiceCollection services, Action<PointRendClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PointRendClientOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PointRendClientOptions>, OptionsValidation>());
        var builder = services
            .AddGrpcClient<SegmentationService.SegmentationServiceClient>((sp, o) => o.Address = Options(sp).Address)
            .ConfigureChannel((sp, channel) =>
            {
                channel.MaxReceiveMessageSize = Options(sp).MaxReceiveMessageSize;
                channel.MaxSendMessageSize = null; // the gateway enforces its own limit (Gateway:MaxReceiveMessageSize)
            });
        services.TryAddTransient(sp => new PointRendClient(
            sp.GetRequiredService<SegmentationService.SegmentationServiceClient>(),
            Options(sp),
            sp.GetService<ILogger<PointRendClient>>(),
            sp.GetService<TimeProvider>()));
        return builder;
    }

    private static PointRendClientOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<PointRendClientOptions>>().Value;
}
