using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PointRend.Cli.Commands;
using PointRend.Gateway.Security;
using PointRend.Testing;

namespace PointRend.Cli.Tests;

/// <summary>
/// `pointrend segment --server` against a real gateway with authentication on, over TLS from a private CA, and with
/// mutual TLS (README "Security"): refused without credentials with a message naming the fix, served with them.
/// </summary>
[Collection(ProgressDisplayCollection.Name)]
public sealed class SecuredGatewayTests : IDisposable
{
    private const string Password = "test-only";
    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _dir = Directory.CreateTempSubdirectory("pointrend-cli-auth-").FullName;
    private readonly TestCertificates _certificates = new();
    private readonly string _frame = TestPaths.ValFrames(1)[0];

    [Fact]
    public async Task AuthOn_NoKeyOrWrongKeyRefusedUnauthenticated_ApiKeyOrTokenServed()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var wrong = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        await using var server = await GatewayServer.StartAsync(AuthSettings(key));

        var none = await SegmentAsync("none", server.Address);
        var bad = await SegmentAsync("bad", server.Address, "--api-key", wrong);
        var keyed = await SegmentAsync("keyed", server.Address, "--api-key", key);
        var bearer = await SegmentAsync("bearer", server.Address, "--token", Token("svc-cli", "Segment"));

        Assert.Equal(1, none.ExitCode);
        Assert.Contains("UNAUTHENTICATED (CREDENTIALS_MISSING)", none.Error, StringComparison.Ordinal);
        Assert.Contains("--api-key or $POINTREND_API_KEY", none.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(none.LabelMap));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("UNAUTHENTICATED (CREDENTIALS_INVALID)", bad.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, bad.Error, StringComparison.Ordinal);
        Assert.True(keyed.ExitCode == 0, keyed.Error);
        Assert.True(bearer.ExitCode == 0, bearer.Error);
        Assert.Equal(await File.ReadAllBytesAsync(keyed.LabelMap), await File.ReadAllBytesAsync(bearer.LabelMap));
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Https_PrivateCa_RefusedWithHintWithoutCaCert_ServedWithIt()
    {
        var authority = _certificates.CreateAuthority("PointRend CLI test CA");
        await using var server = await GatewayServer.StartAsync(TlsSettings(authority));
        var caFile = _certificates.WritePem(authority, "ca");

        var untrusted = await SegmentAsync("untrusted", server.Address);
        var trusted = await SegmentAsync("trusted", server.Address, "--ca-cert", caFile);

        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("the TLS handshake failed", untrusted.Error, StringComparison.Ordinal);
        Assert.Contains("--ca-cert CA.pem", untrusted.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(untrusted.LabelMap));
        Assert.True(trusted.ExitCode == 0, trusted.Error);
        Assert.True(File.Exists(trusted.LabelMap));
    }

    [Fact]
    public async Task MutualTls_ClientCertificateFromTheCa_Served_WithoutOne_Refused()
    {
        var authority = _certificates.CreateAuthority("PointRend CLI test CA");
        var settings = TlsSettings(authority);
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:ClientCaFile"] = _certificates.WritePem(authority, "client-ca");
        var (certificate, key) = _certificates.WritePemWithKey(_certificates.IssueClient(authority, "svc-cli"), "client");
        await using var server = await GatewayServer.StartAsync(settings);
        var caFile = _certificates.WritePem(authority, "ca");

        var without = await SegmentAsync("without", server.Address, "--ca-cert", caFile);
        var with = await SegmentAsync("with", server.Address, "--ca-cert", caFile, "--client-cert", certificate, "--client-key", key);

        Assert.Equal(1, without.ExitCode);
        Assert.False(File.Exists(without.LabelMap));
        Assert.True(with.ExitCode == 0, with.Error);
        Assert.True(File.Exists(with.LabelMap));
    }

    [Fact]
    public async Task CertificateOptionsOnAnHttpServer_RefusedBeforeAnyCall()
    {
        var ca = _certificates.WritePem(_certificates.CreateAuthority("unused"), "ca");

        var run = await SegmentAsync("http", "http://127.0.0.1:1", "--ca-cert", ca);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("need an https:// --server", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiKeyAndToken_FromTheEnvironment_OptionsWin()
    {
        var options = new ServerOptions();
        var command = new Command("x");
        options.AddTo(command);
        var environment = new Dictionary<string, string> { [ServerOptions.ApiKeyVariable] = "from-env", [ServerOptions.TokenVariable] = "jwt-env" };

        var fromEnvironment = options.ToConnection(command.Parse("--server http://127.0.0.1:1"), environment.GetValueOrDefault)!;
        var fromOption = options.ToConnection(command.Parse("--server http://127.0.0.1:1 --api-key from-option"), environment.GetValueOrDefault)!;
        var inProcess = options.ToConnection(command.Parse(""), environment.GetValueOrDefault);

        Assert.Equal(("from-env", "jwt-env"), (fromEnvironment.ApiKey, fromEnvironment.Token));
        Assert.Equal("from-option", fromOption.ApiKey);
        Assert.Null(inProcess);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(int ExitCode, string Error, string LabelMap)> SegmentAsync(string name, string server, params string[] extra)
    {
        var outDir = Path.Combine(_dir, name);
        var error = new StringWriter();
        var code = await CliApp.RunAsync(["segment", _frame, "--out", outDir, "--mode", "coarse", "--server", server, .. extra], error).DefaultTimeout();
        return (code, error.ToString(), Path.Combine(outDir, Path.GetFileName(_frame)));
    }

    private static Dictionary<string, string> AuthSettings(string key) => new()
    {
        ["Auth:Enabled"] = "true",
        ["Auth:ApiKeys:0:Name"] = "cli",
        ["Auth:ApiKeys:0:Sha256"] = ApiKeyStore.Hash(key),
        ["Auth:ApiKeys:0:Methods:0"] = "*",
        ["Auth:Jwt:SigningKey"] = SigningKey,
    };

    private Dictionary<string, string> TlsSettings(X509Certificate2 authority) => new()
    {
        ["urls"] = "https://127.0.0.1:0",
        ["Kestrel:Certificates:Default:Path"] = _certificates.WritePfx(_certificates.IssueServer(authority), "server", Password),
        ["Kestrel:Certificates:Default:Password"] = Password,
    };

    private static string Token(string subject, string scope) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = scope },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(SigningKey)), SecurityAlgorithms.HmacSha256),
    });
}
