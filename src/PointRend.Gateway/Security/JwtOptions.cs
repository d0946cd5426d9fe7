using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace PointRend.Gateway.Security;

/// <summary>
/// Bearer tokens (JWT); section <c>Auth:Jwt</c>. A symmetric <see cref="SigningKey"/> (HS256, tokens minted by a
/// service you run), a <see cref="PublicKeyFile"/> (RS256/PS256/ES256 from a token service that keeps the private key),
/// or an OpenID Connect <see cref="Authority"/> whose published keys sign them. The caller's name is the
/// <see cref="NameClaim"/>; the methods it may call are the values of its <c>scope</c> (or <c>scp</c>) claim.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>Base64 of the HMAC key (at least 32 bytes: <c>openssl rand -base64 32</c>). Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding <see cref="SigningKey"/> (a mounted secret); read once at start. Default none.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>
    /// PEM file with the public key (RSA or EC, <c>-----BEGIN PUBLIC KEY-----</c>) or certificate that verifies tokens
    /// signed with RS256/PS256/ES256 by a token service without an OpenID Connect discovery endpoint; read once at start.
    /// Default none.
    /// </summary>
    public string? PublicKeyFile { get; set; }

    /// <summary>OpenID Connect issuer URL whose discovery document lists the signing keys. Default none.</summary>
    public string? Authority { get; set; }

    /// <summary>Accept an <see cref="Authority"/> over plain HTTP (tests only). Default true: HTTPS required.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Required <c>iss</c>; with an <see cref="Authority"/> its discovery document gives it. Default none (not checked with a signing key).</summary>
    public string? Issuer { get; set; }

    /// <summary>Required <c>aud</c>. Default none (not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim naming the caller. Default <c>sub</c>.</summary>
    public string NameClaim { get; set; } = "sub";

    /// <summary>Clock skew allowed when checking <c>exp</c> and <c>nbf</c>. Default 1 minute.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(SigningKeyFile) || !string.IsNullOrWhiteSpace(Authority)
        || !string.IsNullOrWhiteSpace(PublicKeyFile);

    /// <summary>The key of <see cref="PublicKeyFile"/>; null without one. Throws when the file holds no RSA or EC public key.</summary>
    public AsymmetricSecurityKey? PublicKey()
    {
        if (string.IsNullOrWhiteSpace(PublicKeyFile))
        {
            return null;
        }

        var pem = File.ReadAllText(PublicKeyFile);
        if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return certificate.GetRSAPublicKey() is { } rsaOfCertificate ? new RsaSecurityKey(rsaOfCertificate)
                : certificate.GetECDsaPublicKey() is { } ecOfCertificate ? new ECDsaSecurityKey(ecOfCertificate)
                : throw new InvalidDataException("its certificate has neither an RSA nor an EC key");
        }

        // One of the two imports understands the PEM; RSA's throws for an EC key (and for no key at all, which EC's then reports).
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
    }

    /// <summary>The HMAC key bytes, from <see cref="SigningKey"/> or <see cref="SigningKeyFile"/>; null without either.</summary>
    public byte[]? SigningKeyBytes()
    {
        var text = !string.IsNullOrWhiteSpace(SigningKey) ? SigningKey
            : !string.IsNullOrWhiteSpace(SigningKeyFile) ? File.ReadAllText(SigningKeyFile)
            : null;
        return text is null ? null : Convert.FromBase64String(text.Trim());
    }

    public IEnumerable<string> Validate(string section)
    {
        if (!IsConfigured)
        {
            yield break;
        }

        string? keyProblem = null;
        try
        {
            if (SigningKeyBytes() is { Length: < 32 } key)
            {
                keyProblem = $"{section}:{nameof(SigningKey)} is {key.Length} bytes; an HMAC-SHA256 key needs at least 32 (openssl rand -base64 32)";
            }
        }
        catch (FormatException)
        {
            keyProblem = $"{section}:{nameof(SigningKey)} is not base64 (openssl rand -base64 32 makes one)";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            keyProblem = $"{section}:{nameof(SigningKeyFile)} '{SigningKeyFile}' could not be read: {ex.Message}";
        }

        if (keyProblem is not null)
        {
            yield return keyProblem;
        }

        string? publicKeyProblem = null;
        try
        {
            PublicKey();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException or InvalidDataException)
        {
            publicKeyProblem = $"{section}:{nameof(PublicKeyFile)} '{PublicKeyFile}' holds no usable RSA or EC public key in PEM " +
                $"(openssl rsa -pubout / openssl ec -pubout make one): {ex.Message}";
        }

        if (publicKeyProblem is not null)
        {
            yield return publicKeyProblem;
        }

        if (Authority is { Length: > 0 } authority && !Uri.TryCreate(authority, UriKind.Absolute, out _))
        {
            yield return $"{section}:{nameof(Authority)} '{authority}' is not an absolute URL";
        }

        if (string.IsNullOrWhiteSpace(NameClaim))
        {
            yield return $"{section}:{nameof(NameClaim)} is empty; name the claim that identifies the caller (e.g. sub)";
        }

        if (ClockSkew < TimeSpan.Zero)
        {
            yield return $"{section}:{nameof(ClockSkew)} is {ClockSkew}; it must not be negative";
        }
    }
}
