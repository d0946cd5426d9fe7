namespace PointRend.Gateway.Security;

/// <summary>
/// Mutual TLS for the https endpoints; section <c>Tls</c>. The server's own certificate is Kestrel's
/// (<c>Kestrel:Certificates:Default:Path</c> and <c>KeyPath</c> or <c>Password</c>, with an <c>https://</c> URL in
/// <c>urls</c>); these settings add the client's side. A client certificate is accepted when it chains to
/// <see cref="ClientCaFile"/> or its SHA-256 thumbprint is in <see cref="AllowedClientThumbprints"/>.
/// </summary>
public sealed class TlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>Refuse TLS handshakes without a valid client certificate. Default false.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>PEM file with the CA certificate(s) that issue client certificates. Revocation is not checked. Default none.</summary>
    public string? ClientCaFile { get; set; }

    /// <summary>SHA-256 thumbprints (hex, colons allowed: <c>openssl x509 -noout -fingerprint -sha256</c>) of accepted client certificates. Default none.</summary>
    public List<string> AllowedClientThumbprints { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (!RequireClientCertificate)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(ClientCaFile) && AllowedClientThumbprints.Count == 0)
        {
            yield return $"{SectionName}:{nameof(RequireClientCertificate)} is true but nothing says which client certificates to accept: " +
                $"set {SectionName}:{nameof(ClientCaFile)} or {SectionName}:{nameof(AllowedClientThumbprints)}";
        }

        if (!string.IsNullOrWhiteSpace(ClientCaFile) && !File.Exists(ClientCaFile))
        {
            yield return $"{SectionName}:{nameof(ClientCaFile)} '{ClientCaFile}' does not exist";
        }

        foreach (var thumbprint in AllowedClientThumbprints.Where(t => ClientCertificateValidator.Normalise(t).Length != 64))
        {
            yield return $"{SectionName}:{nameof(AllowedClientThumbprints)} holds '{thumbprint}', which is not a SHA-256 thumbprint (64 hex digits)";
        }
    }
}
