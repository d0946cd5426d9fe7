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

    /// <summary>
    /// Which part of a client certificate names the caller (<c>cert:NAME</c>) when a call brings no API key or token:
    /// <c>cn</c> (the subject's common name), <c>subject</c> (the whole distinguished name), <c>dns</c> (the first DNS
    /// subject alternative name) or <c>thumbprint</c> (SHA-256 hex). Per-caller limits, the caller budget, fair sharing
    /// and logs then count by certificate instead of by peer address. Default <c>cn</c>.
    /// </summary>
    public string ClientIdentityField { get; set; } = "cn";

    /// <summary>
    /// With <c>Auth:Enabled</c>, the methods a caller named by its client certificate alone may call (as an API key's
    /// Methods). Default none: with authentication on, a certificate names the connection but a key or token is still
    /// required.
    /// </summary>
    public List<string> ClientCertificateMethods { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (ClientIdentityField is not ("cn" or "subject" or "dns" or "thumbprint"))
        {
            yield return $"{SectionName}:{nameof(ClientIdentityField)} is '{ClientIdentityField}'; it must be cn, subject, dns or thumbprint";
        }

        foreach (var method in ClientCertificateMethods.Where(m => !MethodPermissions.IsKnown(m)))
        {
            yield return $"{SectionName}:{nameof(ClientCertificateMethods)} names '{method}', which is not a method of {MethodPermissions.ServiceName} (or *)";
        }

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
