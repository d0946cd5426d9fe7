using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>
/// The gateway on an https URL with a certificate made here (README "Security"): a real TLS handshake, and mutual TLS
/// where the client's certificate must come from the configured CA or have an allowed thumbprint.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private const string Password = "test-only";
    private readonly TestCertificates _certificates = new();
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2 _serverCertificate;

    public TlsTests()
    {
        _authority = _certificates.CreateAuthority("PointRend test CA");
        _serverCertificate = _certificates.IssueServer(_authority);
    }

    [Fact]
    public async Task HttpsUrlWithCertificate_CallsSucceedOverTls_WithTheServersCertificate()
    {
        string? presented = null;
        var handler = Handler(clientCertificate: null, (certificate, chain) =>
        {
            presented = certificate.GetCertHashString();
            return TrustsTestCa(certificate, chain);
        });
        await using var server = await GatewayServer.StartAsync(ServerSettings(), handler);

        var models = await server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        var segmented = await server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse }))
            .ResponseAsync.DefaultTimeout();

        Assert.StartsWith("https://127.0.0.1:", server.Address, StringComparison.Ordinal);
        Assert.NotEmpty(models.Models);
        Assert.Equal(480, segmented.Width);
        Assert.Equal(_serverCertificate.GetCertHashString(), presented);
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task HttpsEndpoint_PlaintextClient_IsNotServed()
    {
        await using var server = await GatewayServer.StartAsync(ServerSettings(), Handler(null, TrustsTestCa));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address.Replace("https://", "http://", StringComparison.Ordinal));
        var h2c = new SegmentationService.SegmentationServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => h2c.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();

        AssertConnectionRefused(error);
    }

    [Fact]
    public async Task MutualTls_ClientCertificateFromTheCa_Served_WithoutOne_HandshakeRefused()
    {
        var settings = ServerSettings();
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:ClientCaFile"] = _certificates.WritePem(_authority, "client-ca");
        var client = _certificates.IssueClient(_authority, "svc-video");
        var stranger = _certificates.IssueClient(null, "stranger"); // self-signed: not from the CA
        await using var server = await GatewayServer.StartAsync(settings, Handler(client, TrustsTestCa));
        var without = new SegmentationService.SegmentationServiceClient(server.OpenChannel(Handler(null, TrustsTestCa)));
        var wrong = new SegmentationService.SegmentationServiceClient(server.OpenChannel(Handler(stranger, TrustsTestCa)));

        var served = await server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        var noCertificate = await Assert.ThrowsAsync<RpcException>(() => without.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();
        var notFromCa = await Assert.ThrowsAsync<RpcException>(() => wrong.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();

        Assert.NotEmpty(served.Models);
        AssertConnectionRefused(noCertificate);
        AssertConnectionRefused(notFromCa);
    }

    [Fact]
    public async Task MutualTls_ThumbprintPinnedSelfSignedClient_Served_AnotherRefused()
    {
        var pinned = _certificates.IssueClient(null, "pinned");
        var other = _certificates.IssueClient(null, "other");
        var settings = ServerSettings();
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:AllowedClientThumbprints:0"] = string.Join(':', Convert.ToHexString(pinned.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)).Chunk(2).Select(c => new string(c)));
        await using var server = await GatewayServer.StartAsync(settings, Handler(pinned, TrustsTestCa));
        var refusedClient = new Health.HealthClient(server.OpenChannel(Handler(other, TrustsTestCa)));

        var health = await server.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => refusedClient.CheckAsync(new HealthCheckRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        AssertConnectionRefused(refused);
    }

    [Fact]
    public async Task HealthPort_PlaintextForTheKubeletProbe_AnswersHealthOnly_WhileTheServiceNeedsTlsAClientCertificateAndAKey()
    {
        // What k8s/overlays/secure runs: TLS with client certificates and API keys on the service port, and a plaintext
        // port the kubelet's grpc probe (which speaks no TLS) can ask.
        var healthPort = TestPorts.Free();
        var settings = ServerSettings();
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:ClientCaFile"] = _certificates.WritePem(_authority, "client-ca");
        settings["Auth:Enabled"] = "true";
        settings["Auth:ApiKeys:0:Name"] = "probe-test";
        settings["Auth:ApiKeys:0:Sha256"] = PointRend.Gateway.Security.ApiKeyStore.Hash(Credentials.NewApiKey());
        settings["Auth:ApiKeys:0:Methods:0"] = "*";
        settings["Gateway:HealthPort"] = healthPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await GatewayServer.StartAsync(settings, Handler(_certificates.IssueClient(_authority, "svc"), TrustsTestCa));
        using var probe = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{healthPort}");

        var health = await new Health.HealthClient(probe).CheckAsync(new HealthCheckRequest { Service = "" }).ResponseAsync.DefaultTimeout();
        var service = await Assert.ThrowsAsync<RpcException>(
            () => new SegmentationService.SegmentationServiceClient(probe).ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(probe).ServerReflectionInfo();
        var reflected = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await reflection.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
            await reflection.ResponseStream.MoveNext(CancellationToken.None);
        }).DefaultTimeout();
        var overTls = await Assert.ThrowsAsync<RpcException>(() => server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();

        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(StatusCode.Unimplemented, service.StatusCode);
        Assert.Contains("Gateway:HealthPort", service.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unimplemented, reflected.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, overTls.StatusCode); // the service port: TLS and certificate passed, the key is still asked
        server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task MutualTls_AuthOff_EachClientCertificateIsACallerOfItsOwn_ForPerCallerLimits()
    {
        // Both clients connect from 127.0.0.1: by peer address they would be one caller and share one token bucket.
        var settings = ServerSettings();
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:ClientCaFile"] = _certificates.WritePem(_authority, "client-ca");
        settings["CallerLimits:CallsPerSecond"] = "0.01"; // one call, then a refusal for the rest of the test
        settings["CallerLimits:Burst"] = "1";
        await using var server = await GatewayServer.StartAsync(settings, Handler(_certificates.IssueClient(_authority, "svc-a"), TrustsTestCa));
        var other = new SegmentationService.SegmentationServiceClient(server.OpenChannel(Handler(_certificates.IssueClient(_authority, "svc-b"), TrustsTestCa)));

        await server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        var limited = await Assert.ThrowsAsync<RpcException>(() => server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();
        var otherServed = await other.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.NotEmpty(otherServed.Models);
        Assert.Contains("caller 'cert:svc-a' is over its call rate", limited.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MutualTls_AuthOn_CertificateAloneServesOnlyTheMethodsTlsClientCertificateMethodsLists()
    {
        var settings = ServerSettings();
        settings["Tls:RequireClientCertificate"] = "true";
        settings["Tls:ClientCaFile"] = _certificates.WritePem(_authority, "client-ca");
        settings["Tls:ClientCertificateMethods:0"] = "ListModels";
        settings["Auth:Enabled"] = "true";
        settings["Auth:ApiKeys:0:Name"] = "batch";
        settings["Auth:ApiKeys:0:Sha256"] = PointRend.Gateway.Security.ApiKeyStore.Hash(Credentials.NewApiKey());
        settings["Auth:ApiKeys:0:Methods:0"] = "*";
        await using var server = await GatewayServer.StartAsync(settings, Handler(_certificates.IssueClient(_authority, "svc-video"), TrustsTestCa));

        var models = await server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync.DefaultTimeout();
        var denied = await Assert.ThrowsAsync<RpcException>(
            () => server.Client.SegmentAsync(TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse })).ResponseAsync).DefaultTimeout();

        Assert.NotEmpty(models.Models);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("caller 'cert:svc-video' may not call Segment", denied.Status.Detail, StringComparison.Ordinal);
    }

    public void Dispose() => _certificates.Dispose();

    /// <summary>
    /// The call never reached the service: the connection failed in or right after the handshake. With TLS 1.3 the
    /// client finishes its side before the server rejects its certificate, so the client sees either a failed connect
    /// (UNAVAILABLE) or a connection reset under its first request (INTERNAL), depending on timing.
    /// </summary>
    private static void AssertConnectionRefused(RpcException error)
    {
        Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{error.StatusCode}: {error.Status.Detail}");
        Assert.True(error.Status.DebugException is HttpRequestException or IOException, $"{error.Status.DebugException}");
        Assert.Null(error.GetRpcStatus()); // no status from the service: it was never called
    }

    private Dictionary<string, string> ServerSettings() => new()
    {
        ["urls"] = "https://127.0.0.1:0",
        ["Kestrel:Certificates:Default:Path"] = _certificates.WritePfx(_serverCertificate, "server", Password),
        ["Kestrel:Certificates:Default:Password"] = Password,
    };

    /// <summary>What a client deployed with the CA's certificate does: trust exactly that CA for the server.</summary>
    private bool TrustsTestCa(X509Certificate certificate, X509Chain? _) => TestCertificates.ChainsTo(_authority, certificate);

    private static SocketsHttpHandler Handler(X509Certificate2? clientCertificate, Func<X509Certificate, X509Chain?, bool> validateServer) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => certificate is not null && validateServer(certificate, chain),
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        },
    };
}
