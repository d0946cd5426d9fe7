using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PointRend.Gateway.Security;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>API keys and JWTs as a caller would send them, and the settings that make a gateway accept them.</summary>
public static class Credentials
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "pointrend";

    /// <summary>A fresh HMAC key per run, as base64 for Auth:Jwt:SigningKey.</summary>
    public static string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string NewApiKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>Settings for <c>Auth</c> with one API key per (name, key, methods) and the JWT signing key.</summary>
    public static Dictionary<string, string> AuthSettings(params (string Name, string Key, string[] Methods)[] keys)
    {
        var settings = new Dictionary<string, string>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:Jwt:SigningKey"] = SigningKey,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
        };
        for (var i = 0; i < keys.Length; i++)
        {
            settings[$"Auth:ApiKeys:{i}:Name"] = keys[i].Name;
            settings[$"Auth:ApiKeys:{i}:Sha256"] = ApiKeyStore.Hash(keys[i].Key); // what an operator stores: the hash only
            for (var m = 0; m < keys[i].Methods.Length; m++)
            {
                settings[$"Auth:ApiKeys:{i}:Methods:{m}"] = keys[i].Methods[m];
            }
        }

        return settings;
    }

    public static Metadata ApiKey(string key) => new() { { CallerAuthenticator.ApiKeyHeader, key } };

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public static string Token(string subject, string scope, TimeSpan? lifetime = null, string? signingKey = null, string audience = Audience)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = scope },
            NotBefore = expires < now ? expires.AddMinutes(-10) : now,
            IssuedAt = expires < now ? expires.AddMinutes(-10) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(signingKey ?? SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
