using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PointRend.Inference;
using PointRend.Queueing.Redis;

namespace PointRend.Hosting;

/// <summary>Registration shared by gateway and worker: options validated at start, and the one mode switch.</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// Distributed mode (jobs through Redis to worker processes) when <c>Redis:Configuration</c> is set; embedded (the
    /// in-process pool) otherwise. The only place that decides.
    /// </summary>
    public static bool IsDistributed(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)}"]);

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and fails start-up with every problem <paramref name="validate"/> names.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section,
        Func<T, IEnumerable<string>> validate)
        where T : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new DelegateValidator<T>(validate)));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>Section <c>Inference</c>: models, provider, input and output limits.</summary>
    public static IServiceCollection AddInferenceOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<InferenceOptions>(configuration, InferenceOptions.SectionName, o => o.Validate());
        return services;
    }

    private sealed class DelegateValidator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = validate(options).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
