using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PointRend.Gateway.Security;

namespace PointRend.Benchmarks;

/// <summary>
/// What the caller gate (<see cref="CallerGate"/>) costs per call before a method runs: <see cref="CallerAuthenticator"/>
/// with the gateway's own registration (AddGatewaySecurity: JwtBearer as configured), the method check, and
/// <see cref="CallerLimits"/>. One HttpContext per call, as Kestrel gives each request; no network.
/// </summary>
/// <remarks>In-process: the gate is managed code only, and the separate build of an out-of-process job timed out (2 min)
/// on the loaded shared VM.</remarks>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(3)]
[IterationCount(12)]
public class AuthGateBenchmarks
{
    private const string Audience = "pointrend";
    private const string Issuer = "https://issuer.bench";
    private readonly string _apiKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    private readonly byte[] _hmacKey = RandomNumberGenerator.GetBytes(32);
    private readonly ECDsa _ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<WebApplication> _apps = [];
    private string _publicKeyFile = "";
    private Gate _off = null!, _keys = null!, _keysLimited = null!, _hs256 = null!, _es256 = null!;
    private string _hsToken = "", _esToken = "";

    [GlobalSetup]
    public void Setup()
    {
        _publicKeyFile = Path.Combine(Path.GetTempPath(), $"pointrend-bench-{Guid.NewGuid():N}.pem");
        File.WriteAllText(_publicKeyFile, _ecKey.ExportSubjectPublicKeyInfoPem());
        var auth = new Dictionary<string, string?>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:ApiKeys:0:Name"] = "bench",
            ["Auth:ApiKeys:0:Sha256"] = ApiKeyStore.Hash(_apiKey),
            ["Auth:ApiKeys:0:Methods:0"] = "*",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
        };
        _off = Build(new Dictionary<string, string?>());
        _keys = Build(new Dictionary<string, string?>(auth) { ["Auth:Jwt:SigningKey"] = Convert.ToBase64String(_hmacKey) });
        _keysLimited = Build(new Dictionary<string, string?>(auth)
        {
            ["Auth:Jwt:SigningKey"] = Convert.ToBase64String(_hmacKey),
            ["CallerLimits:CallsPerSecond"] = "1000000000", // never refuses: the bucket's bookkeeping is what is measured
            ["CallerLimits:MaxConcurrentCalls"] = "1000000",
        });
        _hs256 = _keys;
        _es256 = Build(new Dictionary<string, string?>(auth) { ["Auth:Jwt:PublicKeyFile"] = _publicKeyFile });
        _hsToken = Token(new SigningCredentials(new SymmetricSecurityKey(_hmacKey), SecurityAlgorithms.HmacSha256));
        _esToken = Token(new SigningCredentials(new ECDsaSecurityKey(_ecKey), SecurityAlgorithms.EcdsaSha256));
    }

    [Benchmark(Baseline = true, Description = "auth off (peer address)")]
    public Task<string> Off() => _off.PassAsync(h => { });

    [Benchmark(Description = "API key (SHA-256 + lookup)")]
    public Task<string> ApiKey() => _keys.PassAsync(h => h[CallerAuthenticator.ApiKeyHeader] = _apiKey);

    [Benchmark(Description = "API key + CallerLimits (rate and open calls)")]
    public Task<string> ApiKeyLimited() => _keysLimited.PassAsync(h => h[CallerAuthenticator.ApiKeyHeader] = _apiKey);

    [Benchmark(Description = "JWT HS256 (Auth:Jwt:SigningKey)")]
    public Task<string> JwtHs256() => _hs256.PassAsync(h => h.Authorization = "Bearer " + _hsToken);

    [Benchmark(Description = "JWT ES256 (Auth:Jwt:PublicKeyFile)")]
    public Task<string> JwtEs256() => _es256.PassAsync(h => h.Authorization = "Bearer " + _esToken);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        File.Delete(_publicKeyFile);
        _ecKey.Dispose();
    }

    private Gate Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddGatewaySecurity();
        var app = builder.Build();
        _apps.Add(app);
        return new Gate(app.Services);
    }

    private static string Token(SigningCredentials credentials) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Claims = new Dictionary<string, object> { ["sub"] = "svc-bench", ["scope"] = "Segment ListModels" },
        Expires = DateTime.UtcNow.AddHours(2),
        SigningCredentials = credentials,
    });

    /// <summary>CallerGate's work for one call: authenticate, check the method, enter and leave the caller's limits.</summary>
    private sealed class Gate(IServiceProvider services)
    {
        private static readonly IPAddress Peer = IPAddress.Parse("10.1.2.3");
        private readonly CallerAuthenticator _authenticator = services.GetRequiredService<CallerAuthenticator>();
        private readonly CallerLimits _limits = services.GetRequiredService<CallerLimits>();

        public async Task<string> PassAsync(Action<IHeaderDictionary> credentials)
        {
            var http = new DefaultHttpContext { RequestServices = services };
            http.Connection.RemoteIpAddress = Peer;
            http.Request.Path = "/pointrend.v1.SegmentationService/Segment";
            credentials(http.Request.Headers);
            var caller = await _authenticator.AuthenticateAsync(http);
            if (!MethodPermissions.Allows(caller.Methods, "Segment"))
            {
                throw new InvalidOperationException("the benchmark's caller must be allowed");
            }

            using (_limits.Enter(caller.Name))
            {
                return caller.Name;
            }
        }
    }
}
