namespace PointRend.Gateway.Security;

/// <summary>
/// Bearer tokens (JWT); section <c>Auth:Jwt</c>. Either a symmetric <see cref="SigningKey"/> (HS256, tokens minted by
/// a service you run) or an OpenID Connect <see cref="Authority"/> whose published keys sign them. The caller's name is
/// the <see cref="NameClaim"/>; the methods it may call are the values of its <c>scope</c> (or <c>scp</c>) claim.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>Base64 of the HMAC key (at least 32 bytes: <c>openssl rand -base64 32</c>). Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding <see cref="SigningKey"/> (a mounted secret); read once at start. Default none.</summary>
    public string? SigningKeyFile { get; set; }

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

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(SigningKeyFile) || !string.IsNullOrWhiteSpace(Authority);

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
