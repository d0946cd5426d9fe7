using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace PointRend.Gateway.Security;

/// <summary>
/// Turns a call's credentials into a <see cref="CallerIdentity"/>: the API key in <c>x-api-key</c>, else the bearer
/// token in <c>authorization</c> (validated by ASP.NET Core's JwtBearer handler), else UNAUTHENTICATED. With
/// <see cref="AuthOptions.Enabled"/> off every call is its peer address, allowed everything.
/// </summary>
public sealed class CallerAuthenticator(IOptions<AuthOptions> options, ApiKeyStore keys)
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
            return CallerIdentity.Peer(http);
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

        throw SecurityErrors.Missing(auth.Jwt.IsConfigured);
    }
}
