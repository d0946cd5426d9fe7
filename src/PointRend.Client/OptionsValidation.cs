using Microsoft.Extensions.Options;

namespace PointRend.Client;

/// <summary>Checks <see cref="PointRendClientOptions"/> when the client is built, with every problem in one message.</summary>
internal sealed class OptionsValidation : IValidateOptions<PointRendClientOptions>
{
    public ValidateOptionsResult Validate(string? name, PointRendClientOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static void ThrowIfInvalid(PointRendClientOptions options)
    {
        var failures = options.Validate().ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException($"invalid {nameof(PointRendClientOptions)}: {string.Join("; ", failures)}", nameof(options));
        }
    }
}
