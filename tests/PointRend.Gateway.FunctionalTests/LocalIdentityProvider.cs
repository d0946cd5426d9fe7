using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// An OpenID Connect provider as far as a resource server sees one: a discovery document at
/// <c>/.well-known/openid-configuration</c> and its JWKS, served over HTTP on 127.0.0.1, with an RSA key made per run.
/// It mints RS256 tokens the way an IdP would (issuer = its own URL, <c>kid</c> in the header).
/// </summary>
public sealed class LocalIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly string _keyId = Guid.NewGuid().ToString("N");
    private int _jwksReads;

    private LocalIdentityProvider(WebApplication app) => _app = app;

    /// <summary>The issuer URL, for Auth:Jwt:Authority.</summary>
    public string Authority { get; private set; } = "";

    /// <summary>How often the JWKS was fetched: the gateway reads it once and caches it.</summary>
    public int JwksReads => Volatile.Read(ref _jwksReads);

    public static async Task<LocalIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // HTTP/1.1, as JwtBearer's back channel speaks it; set here because the gateway's appsettings.json beside the
        // tests makes every endpoint HTTP/2-only.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new LocalIdentityProvider(app);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Authority,
            ["jwks_uri"] = provider.Authority + "/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref provider._jwksReads);
            var parameters = provider._rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = provider._keyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync();
        provider.Authority = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return provider;
    }

    /// <summary>An RS256 token from this provider; <paramref name="issuer"/> or <paramref name="signWith"/> make it a bad one.</summary>
    public string Token(string subject, string scope, TimeSpan? lifetime = null, string audience = Credentials.Audience, string? issuer = null,
        RSA? signWith = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        var key = new RsaSecurityKey(signWith ?? _rsa) { KeyId = signWith is null ? _keyId : Guid.NewGuid().ToString("N") };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Authority,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = scope },
            NotBefore = expires < now ? expires.AddMinutes(-10) : now,
            IssuedAt = expires < now ? expires.AddMinutes(-10) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
