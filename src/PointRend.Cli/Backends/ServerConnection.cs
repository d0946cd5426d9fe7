using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PointRend.Client;

namespace PointRend.Cli.Backends;

/// <summary>
/// A gateway and how to reach it when it is secured (README "Security"): an API key or a JWT sent with every call, a
/// private CA trusted for an https address, and a client certificate for mutual TLS.
/// </summary>
public sealed record ServerConnection(string Address)
{
    /// <summary>Metadata the gateway reads an API key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>Sent as <c>x-api-key</c>; null = none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A JWT sent as <c>authorization: Bearer ...</c>; null = none.</summary>
    public string? Token { get; init; }

    /// <summary>PEM file of the CA (one or more certificates) that alone is trusted for the server's certificate; null = the system's roots.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>PEM file of the client certificate for mutual TLS; null = none.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM file of the client certificate's private key; null = the key in <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>Every problem with these settings, each naming the option; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        var https = Uri.TryCreate(Address, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
        if (!https && (CaCertificateFile is not null || ClientCertificateFile is not null))
        {
            yield return $"--ca-cert and --client-cert need an https:// --server; '{Address}' is not one";
        }

        if (ClientKeyFile is not null && ClientCertificateFile is null)
        {
            yield return "--client-key was given without --client-cert";
        }

        foreach (var (option, file) in new[] { ("--ca-cert", CaCertificateFile), ("--client-cert", ClientCertificateFile), ("--client-key", ClientKeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                yield return $"{option} '{file}' does not exist";
            }
        }
    }

    /// <summary>A client for this gateway; disposing it closes its connections.</summary>
    /// <param name="localAddress">Source address of the connections; null = the system's choice.</param>
    /// <exception cref="ServerConnectionException">The settings are unusable (<see cref="Validate"/>) or a PEM file does not hold what it should.</exception>
    public PointRendClient CreateClient(IPAddress? localAddress = null)
    {
        var problems = Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ServerConnectionException(string.Join("; ", problems));
        }

        var options = new PointRendClientOptions { Address = new Uri(Address) };
        if (!string.IsNullOrEmpty(ApiKey))
        {
            options.Headers[ApiKeyHeader] = ApiKey;
        }

        if (!string.IsNullOrEmpty(Token))
        {
            options.Headers["authorization"] = "Bearer " + Token;
        }

        var custom = localAddress is not null || CaCertificateFile is not null || ClientCertificateFile is not null;
        return PointRendClient.Create(options, custom ? Handler(localAddress) : null);
    }

    private SocketsHttpHandler Handler(IPAddress? localAddress)
    {
        var handler = localAddress is null ? new SocketsHttpHandler() : GrpcBackend.BoundTo(localAddress);
        if (CaCertificateFile is null && ClientCertificateFile is null)
        {
            return handler;
        }

        var ssl = new SslClientAuthenticationOptions();
        if (CaCertificateFile is not null)
        {
            // Like curl --cacert and grpcurl -cacert: this CA replaces the system's roots; the host name is still checked.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(LoadCertificates(CaCertificateFile));
            ssl.CertificateChainPolicy = policy;
        }

        if (ClientCertificateFile is not null)
        {
            ssl.ClientCertificates = [LoadClientCertificate(ClientCertificateFile, ClientKeyFile)];
        }

        handler.SslOptions = ssl;
        return handler;
    }

    private static X509Certificate2Collection LoadCertificates(string file)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(file);
        }
        catch (CryptographicException ex)
        {
            throw new ServerConnectionException($"--ca-cert '{file}' is not a PEM certificate file: {ex.Message}", ex);
        }

        return certificates.Count > 0 ? certificates : throw new ServerConnectionException($"--ca-cert '{file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    private static X509Certificate2 LoadClientCertificate(string certificateFile, string? keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (CryptographicException ex)
        {
            throw new ServerConnectionException(
                $"--client-cert '{certificateFile}' with {(keyFile is null ? "the key in the same file" : $"--client-key '{keyFile}'")} is not a usable PEM certificate and private key: {ex.Message}", ex);
        }
    }
}

/// <summary>Unusable connection options (a missing file, a certificate option on an http address): the user's to fix.</summary>
public sealed class ServerConnectionException(string message, Exception? inner = null) : Exception(message, inner);
