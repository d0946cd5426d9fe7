using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PointRend.Gateway.Security;

/// <summary>
/// Who is calling, as the gateway counts callers: per-caller limits, the caller budget and fair sharing all key on
/// <see cref="Name"/>. With authentication on it is the key's or token's caller; with it off, the peer address.
/// Stored as an HttpContext feature for the service to read.
/// </summary>
/// <param name="Name">A stable key: <c>key:NAME</c>, <c>jwt:SUBJECT</c>, <c>cert:NAME</c> (client certificate, no key or token) or the peer address (without its port).</param>
/// <param name="Methods">What it may call (<see cref="MethodPermissions"/>); everything when authentication is off.</param>
public sealed record CallerIdentity(string Name, IReadOnlySet<string> Methods)
{
    private static readonly IReadOnlySet<string> Everything = new HashSet<string>(StringComparer.Ordinal) { MethodPermissions.All };

    /// <summary>The peer's address without its port: one caller however many connections it opens.</summary>
    public static CallerIdentity Peer(HttpContext http) =>
        new(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", Everything);

    /// <summary>
    /// The caller a client certificate names (<see cref="TlsOptions.ClientIdentityField"/>); null when the field is
    /// empty in this certificate (e.g. no DNS name), so the caller falls back to what it would be without one.
    /// </summary>
    public static CallerIdentity? Certificate(X509Certificate2 certificate, string field, IEnumerable<string> methods)
    {
        var name = field switch
        {
            "subject" => certificate.Subject,
            "dns" => certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).FirstOrDefault(),
            "thumbprint" => certificate.GetCertHashString(HashAlgorithmName.SHA256),
            _ => certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false),
        };
        return string.IsNullOrWhiteSpace(name) ? null : new($"cert:{name}", new HashSet<string>(methods, StringComparer.Ordinal));
    }

    public static CallerIdentity ApiKey(ApiKeyEntry entry) =>
        new($"key:{entry.Name}", new HashSet<string>(entry.Methods, StringComparer.Ordinal));

    /// <summary>Null when the token has no <paramref name="nameClaim"/>.</summary>
    public static CallerIdentity? Token(ClaimsPrincipal principal, string nameClaim)
    {
        var name = principal.FindFirst(nameClaim)?.Value;
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        // OAuth 2 puts scopes in one space-separated "scope" claim; some issuers use "scp", as a string or an array.
        var scopes = principal.Claims
            .Where(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return new($"jwt:{name}", new HashSet<string>(scopes, StringComparer.Ordinal));
    }
}
