using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PointRend.Gateway.Security;

/// <summary>Decides whether a client certificate is one <see cref="TlsOptions"/> accepts; Kestrel calls it during the handshake.</summary>
public sealed class ClientCertificateValidator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _authorities = [];
    private readonly HashSet<string> _thumbprints;

    public ClientCertificateValidator(TlsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ClientCaFile))
        {
            _authorities.ImportFromPemFile(options.ClientCaFile);
        }

        _thumbprints = new HashSet<string>(options.AllowedClientThumbprints.Select(Normalise), StringComparer.Ordinal);
    }

    /// <remarks>The platform's verdict is ignored on purpose: a private CA is not in the system store, so the chain is
    /// built again against the configured CA only.</remarks>
    public bool IsValid(X509Certificate2 certificate)
    {
        if (_thumbprints.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256)))
        {
            return true;
        }

        if (_authorities.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        return chain.Build(certificate);
    }

    /// <summary>Upper-case hex without separators, as <see cref="X509Certificate2.GetCertHashString(HashAlgorithmName)"/> gives it.</summary>
    public static string Normalise(string thumbprint) => thumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
}
