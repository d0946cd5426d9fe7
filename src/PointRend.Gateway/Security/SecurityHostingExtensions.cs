using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PointRend.Hosting;

namespace PointRend.Gateway.Security;

public static class SecurityHostingExtensions
{
    /// <summary>Authentication and per-method authorization (<c>Auth</c>), per-caller limits (<c>CallerLimits</c>) and mutual TLS (<c>Tls</c>).</summary>
    public static void AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddValidatedOptions<AuthOptions>(configuration, AuthOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<CallerLimitsOptions>(configuration, CallerLimitsOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<TlsOptions>(configuration, TlsOptions.SectionName, o => o.Validate());
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<CallerLimits>();
        services.AddAuthentication().AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((bearer, auth) => Configure(bearer, auth.Value.Jwt));

        var tls = configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>() ?? new TlsOptions();
        if (tls.RequireClientCertificate)
        {
            // Runs when Kestrel binds, after options validation has checked the files.
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                var validator = new ClientCertificateValidator(tls);
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => validator.IsValid(certificate);
            }));
        }
    }

    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        if (!jwt.IsConfigured)
        {
            return;
        }

        bearer.MapInboundClaims = false; // keep "sub" and "scope" as issued, not mapped to WS-Federation URIs
        bearer.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        var key = jwt.SigningKeyBytes();
        SecurityKey?[] keys = [key is null ? null : new SymmetricSecurityKey(key), jwt.PublicKey()];
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            // With an Authority, JwtBearer adds the keys of its discovery document to these.
            IssuerSigningKeys = keys.OfType<SecurityKey>().ToList(),
            ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer) || bearer.Authority is not null,
            ValidIssuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? null : jwt.Issuer,
            ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience),
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = jwt.ClockSkew,
            NameClaimType = jwt.NameClaim,
        };
    }
}
