using System.Security.Cryptography;
using Google.Rpc;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// Tokens signed with an IdP's RSA key, found through Auth:Jwt:Authority (OpenID Connect discovery and JWKS from a real
/// HTTP endpoint on loopback): what gets in, what is refused and why, through real gRPC calls.
/// </summary>
public sealed class OidcAuthorityTests(OidcAuthorityTests.Fixture fixture) : IClassFixture<OidcAuthorityTests.Fixture>
{
    private SegmentationService.SegmentationServiceClient Client => fixture.Server.Client;

    private LocalIdentityProvider Idp => fixture.Idp;

    [Fact]
    public async Task TokenFromTheAuthority_Served_NamedBySubject()
    {
        var token = Idp.Token("svc-batch", "openid Segment");

        var response = await Client.SegmentAsync(JwtCases.Sample(), Credentials.Bearer(token)).ResponseAsync.DefaultTimeout();
        var denied = await Assert.ThrowsAsync<RpcException>(
            () => Client.ListModelsAsync(new ListModelsRequest(), Credentials.Bearer(token)).ResponseAsync).DefaultTimeout();

        Assert.Equal(480, response.Width);
        JwtCases.AssertRefused(denied, StatusCode.PermissionDenied, "METHOD_NOT_ALLOWED");
        Assert.Contains("'jwt:svc-batch' may not call ListModels", denied.Status.Detail, StringComparison.Ordinal);
        Assert.True(Idp.JwksReads >= 1);
    }

    [Fact]
    public async Task ExpiredToken_Unauthenticated_SaysExpired()
    {
        var error = await JwtCases.RefusedAsync(Client, Idp.Token("svc", "*", lifetime: TimeSpan.FromMinutes(-5)));

        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenOfAnotherIssuer_SameKey_Unauthenticated_SaysIssuer()
    {
        var error = await JwtCases.RefusedAsync(Client, Idp.Token("svc", "*", issuer: "https://someone-else.test"));

        Assert.Contains("issuer", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenForAnotherAudience_Unauthenticated_SaysAudience()
    {
        var error = await JwtCases.RefusedAsync(Client, Idp.Token("svc", "*", audience: "another-service"));

        Assert.Contains("audience is not 'pointrend'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenSignedWithAKeyTheAuthorityDoesNotPublish_Unauthenticated_SaysSignature()
    {
        using var other = RSA.Create(2048);

        var error = await JwtCases.RefusedAsync(Client, Idp.Token("mallory", "*", signWith: other));

        Assert.Contains("signature", error.Status.Detail, StringComparison.Ordinal);
        fixture.Server.AssertNoUnexpectedErrors();
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayServer? _server;
        private LocalIdentityProvider? _idp;

        public GatewayServer Server => _server ?? throw new InvalidOperationException("not started");

        public LocalIdentityProvider Idp => _idp ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync()
        {
            _idp = await LocalIdentityProvider.StartAsync();
            _server = await GatewayServer.StartAsync(new Dictionary<string, string>
            {
                ["Auth:Enabled"] = "true",
                ["Auth:Jwt:Authority"] = _idp.Authority,
                ["Auth:Jwt:RequireHttpsMetadata"] = "false", // the test IdP is plain HTTP on loopback
                ["Auth:Jwt:Audience"] = Credentials.Audience,
                ["WorkerPool:Workers"] = "1",
                ["Cache:Enabled"] = "false",
            });
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            if (_idp is not null)
            {
                await _idp.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// Auth:Jwt:PublicKeyFile: tokens from a token service that keeps its private key (no IdP, no discovery), verified with
/// the PEM public key alone. EC (ES256) here; RSA keys and certificates load the same way.
/// </summary>
public sealed class PublicKeyFileTests : IAsyncLifetime
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _pem = Path.Combine(Path.GetTempPath(), $"pointrend-jwt-{Guid.NewGuid():N}.pub.pem");
    private GatewayServer? _server;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_pem, _key.ExportSubjectPublicKeyInfoPem()); // what `openssl ec -pubout` writes
        _server = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:Jwt:PublicKeyFile"] = _pem,
            ["Auth:Jwt:Issuer"] = Credentials.Issuer,
            ["Auth:Jwt:Audience"] = Credentials.Audience,
            ["WorkerPool:Workers"] = "1",
            ["Cache:Enabled"] = "false",
        });
    }

    [Fact]
    public async Task Es256TokenOfTheKey_Served_OtherKeysAndHs256Refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var client = _server!.Client;

        var response = await client.SegmentAsync(JwtCases.Sample(), Credentials.Bearer(Es256(_key, "svc-edge"))).ResponseAsync.DefaultTimeout();
        var forged = await JwtCases.RefusedAsync(client, Es256(other, "mallory"));
        var symmetric = await JwtCases.RefusedAsync(client, Credentials.Token("mallory", "*")); // HS256: no symmetric key configured

        Assert.Equal(480, response.Width);
        Assert.Contains("signature", forged.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("signature", symmetric.Status.Detail, StringComparison.Ordinal);
        _server.AssertNoUnexpectedErrors();
    }

    private static string Es256(ECDsa key, string subject) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Credentials.Issuer,
        Audience = Credentials.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = "Segment" },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
    });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        File.Delete(_pem);
        _key.Dispose();
    }
}

internal static class JwtCases
{
    public static SegmentRequest Sample() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse });

    /// <summary>A Segment call with <paramref name="token"/>, which must be refused as UNAUTHENTICATED / CREDENTIALS_INVALID.</summary>
    public static async Task<RpcException> RefusedAsync(SegmentationService.SegmentationServiceClient client, string token)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => client.SegmentAsync(Sample(), Credentials.Bearer(token)).ResponseAsync).DefaultTimeout();
        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_INVALID");
        return error;
    }

    public static void AssertRefused(RpcException error, StatusCode code, string reason)
    {
        Assert.Equal(code, error.StatusCode);
        var info = error.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal(reason, info.Reason);
        ErrorDetails.AssertClean(error.Status.Detail);
    }
}
