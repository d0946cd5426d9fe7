using PointRend.Gateway.Security;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>Security settings are checked at start; each mistake is named with its key.</summary>
public sealed class SecurityOptionsTests
{
    [Fact]
    public void DefaultsAreValidAndOff()
    {
        Assert.Empty(new AuthOptions().Validate());
        Assert.Empty(new CallerLimitsOptions().Validate());
        Assert.Empty(new TlsOptions().Validate());
        Assert.False(new AuthOptions().Enabled);
    }

    [Fact]
    public void EachBadValueIsReportedWithItsKey()
    {
        var noCredential = new AuthOptions { Enabled = true }.Validate().ToList();
        var badKey = new AuthOptions
        {
            Enabled = true,
            ApiKeys = [new ApiKeyEntry { Name = "a", Sha256 = "plain-text-key", Methods = ["Segment", "Segmnet"] }],
            Jwt = new JwtOptions { SigningKey = Convert.ToBase64String(new byte[16]) },
        }.Validate().ToList();
        var missingFile = new AuthOptions { Enabled = true, ApiKeysFile = "/nonexistent/api-keys.json" }.Validate().ToList();
        var notAKey = Path.GetTempFileName();
        File.WriteAllText(notAKey, "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");
        var badPublicKey = new AuthOptions { Enabled = true, Jwt = new JwtOptions { PublicKeyFile = notAKey } }.Validate().ToList();
        File.Delete(notAKey);
        var limits = new CallerLimitsOptions { CallsPerSecond = -1, MaxConcurrentCalls = -2 }.Validate().ToList();
        var tls = new TlsOptions { RequireClientCertificate = true }.Validate()
            .Concat(new TlsOptions { RequireClientCertificate = true, AllowedClientThumbprints = ["AB:CD"] }.Validate())
            .Concat(new TlsOptions { ClientIdentityField = "email", ClientCertificateMethods = ["Segmnet"] }.Validate()).ToList();

        Assert.Contains(noCredential, m => m.StartsWith("Auth:Enabled is true but no credential is configured", StringComparison.Ordinal));
        Assert.Contains(badKey, m => m.StartsWith("Auth:ApiKeys:0:Sha256 of 'a' is not 64 hex digits", StringComparison.Ordinal));
        Assert.Contains(badKey, m => m.Contains("names 'Segmnet', which is not a method of pointrend.v1.SegmentationService", StringComparison.Ordinal));
        Assert.Contains(badKey, m => m.StartsWith("Auth:Jwt:SigningKey is 16 bytes", StringComparison.Ordinal));
        Assert.Contains(missingFile, m => m.StartsWith("Auth:ApiKeysFile '/nonexistent/api-keys.json' could not be read", StringComparison.Ordinal));
        Assert.Contains(badPublicKey, m => m.StartsWith($"Auth:Jwt:PublicKeyFile '{notAKey}' holds no usable RSA or EC public key", StringComparison.Ordinal));
        Assert.Contains(limits, m => m.StartsWith("CallerLimits:CallsPerSecond is -1", StringComparison.Ordinal));
        Assert.Contains(limits, m => m.StartsWith("CallerLimits:MaxConcurrentCalls is -2", StringComparison.Ordinal));
        Assert.Contains(tls, m => m.StartsWith("Tls:RequireClientCertificate is true but nothing says which client certificates", StringComparison.Ordinal));
        Assert.Contains(tls, m => m.StartsWith("Tls:AllowedClientThumbprints holds 'AB:CD'", StringComparison.Ordinal));
        Assert.Contains(tls, m => m.StartsWith("Tls:ClientIdentityField is 'email'", StringComparison.Ordinal));
        Assert.Contains(tls, m => m.StartsWith("Tls:ClientCertificateMethods names 'Segmnet'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiKeysFile_AMountedSecret_IsReadAtStart()
    {
        var key = Credentials.NewApiKey();
        var file = Path.Combine(Directory.CreateTempSubdirectory("pointrend-keys-").FullName, "api-keys.json");
        await File.WriteAllTextAsync(file, $$"""[ { "name": "from-file", "sha256": "{{ApiKeyStore.Hash(key)}}", "methods": ["ListModels"] } ]""");
        try
        {
            await using var server = await GatewayServer.StartAsync(new Dictionary<string, string> { ["Auth:Enabled"] = "true", ["Auth:ApiKeysFile"] = file });

            var models = await server.Client.ListModelsAsync(new Contracts.V1.ListModelsRequest(), Credentials.ApiKey(key)).ResponseAsync.DefaultTimeout();

            Assert.NotEmpty(models.Models);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task GatewayWithAuthOnAndNoCredential_DoesNotStart_NamingTheKeys()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => GatewayServer.StartAsync(new Dictionary<string, string> { ["Auth:Enabled"] = "true" }));

        Assert.Contains("Auth:Enabled is true but no credential is configured", error.Message, StringComparison.Ordinal);
    }
}
