using System.CommandLine;
using PointRend.Cli.Backends;

namespace PointRend.Cli.Commands;

/// <summary>
/// <c>--server</c> and how to reach a secured gateway (README "Security"): credentials and TLS trust, shared by every
/// command that talks to one.
/// </summary>
public sealed class ServerOptions
{
    public const string ApiKeyVariable = "POINTREND_API_KEY";
    public const string TokenVariable = "POINTREND_TOKEN";

    public ServerOptions(bool required = false, string description = "gateway URL, e.g. http://127.0.0.1:50051; omit to run in-process")
    {
        Server = new Option<string?>("--server") { Description = description, Required = required };
    }

    public Option<string?> Server { get; }

    // No DefaultValueFactory reading the environment: --help would print the secret as the default.
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"API key sent as x-api-key metadata (default: ${ApiKeyVariable}, which keeps it out of shell history)" };
    public Option<string?> Token { get; } = new("--token") { Description = $"JWT sent as 'authorization: Bearer ...' (default: ${TokenVariable})" };
    public Option<string?> CaCert { get; } = new("--ca-cert") { Description = "PEM file of the CA to trust for an https:// --server (instead of the system's roots)" };
    public Option<string?> ClientCert { get; } = new("--client-cert") { Description = "PEM client certificate for mutual TLS" };
    public Option<string?> ClientKey { get; } = new("--client-key") { Description = "PEM private key of --client-cert (default: the key in the --client-cert file)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(ApiKey);
        command.Options.Add(Token);
        command.Options.Add(CaCert);
        command.Options.Add(ClientCert);
        command.Options.Add(ClientKey);
    }

    /// <summary>The gateway to call, or null without <c>--server</c> (an in-process run).</summary>
    /// <param name="environment">Reads an environment variable; null = the process's.</param>
    public ServerConnection? ToConnection(ParseResult result, Func<string, string?>? environment = null)
    {
        var server = result.GetValue(Server);
        if (string.IsNullOrEmpty(server))
        {
            return null;
        }

        environment ??= Environment.GetEnvironmentVariable;
        return new ServerConnection(server)
        {
            ApiKey = NonEmpty(result.GetValue(ApiKey)) ?? NonEmpty(environment(ApiKeyVariable)),
            Token = NonEmpty(result.GetValue(Token)) ?? NonEmpty(environment(TokenVariable)),
            CaCertificateFile = result.GetValue(CaCert),
            ClientCertificateFile = result.GetValue(ClientCert),
            ClientKeyFile = result.GetValue(ClientKey),
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
