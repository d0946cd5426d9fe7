using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace PointRend.Gateway.Security;

/// <summary>
/// Turns a call's credentials into a <see cref="CallerIdentity"/>: the API key in <c>x-api-key</c>, else the bearer
/// token in <c>authorization</c> (validated by ASP.NET Core's JwtBearer handler), else UNAUTHENTICATED. With
/// <see cref="AuthOptions.Enabled"/> off every call is its client certificate's name (mutual TLS) or else its peer
/// address, allowed everything. With it on, a client certificate alone names the caller only where
/// <see cref="TlsOptions.ClientCertificateMethods"/> lists what it may call.
/// </summary>
public sealed class CallerAuthenticator(IOptions<AuthOptions> options, IOptions<TlsOptions> tls, ApiKeyStore keys)
{
    public const string ApiKeyHeader = "x-api-key";

    private const string BearerPrefix = "Bearer ";

    public bool Enabled => options.Value.Enabled;

    /// <exception cref="PointRend.Contracts.SegmentationException">UNAUTHENTICATED: missing, unknown or invalid credentials.</exception>
    public async Task<CallerIdentity> AuthenticateAsync(HttpContext http)
    {
        var auth = options.Value;
        if (!auth.Enabled)
        {
            return FromCertificate(http, [MethodPermissions.All]) ?? CallerIdentity.Peer(http);
        }

        if (http.Request.Headers[ApiKeyHeader].ToString() is { Length: > 0 } key)
        {
            return keys.Find(key) ?? throw SecurityErrors.UnknownKey();
        }

        if (http.Request.Headers.Authorization.ToString() is { } authorization
            && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (!auth.Jwt.IsConfigured)
            {
                throw SecurityErrors.BearerNotAccepted();
            }

            var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw SecurityErrors.InvalidToken(result.Failure, auth.Jwt);
            }

            return CallerIdentity.Token(result.Principal, auth.Jwt.NameClaim) ?? throw SecurityErrors.NoName(auth.Jwt.NameClaim);
        }

        if (tls.Value.ClientCertificateMethods.Count > 0 && FromCertificate(http, tls.Value.ClientCertificateMethods) is { } certified)
        {
            return certified;
        }

        throw SecurityErrors.Missing(auth.Jwt.IsConfigured);
    }

    /// <remarks>Only with <see cref="TlsOptions.RequireClientCertificate"/>: then Kestrel has checked the certificate in the
    /// handshake against the configured CA or thumbprints (<see cref="ClientCertificateValidator"/>).</remarks>
    private CallerIdentity? FromCertificate(HttpContext http, IEnumerable<string> methods) =>
        tls.Value.RequireClientCertificate && http.Connection.ClientCertificate is { } certificate
            ? CallerIdentity.Certificate(certificate, tls.Value.ClientIdentityField, methods)
            : null;
}
