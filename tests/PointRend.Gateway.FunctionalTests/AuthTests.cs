using System.Security.Cryptography;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Gateway.FunctionalTests;

/// <summary>A gateway with Auth:Enabled, two API keys and a JWT signing key: what gets in, what is refused and why.</summary>
public sealed class AuthTests(AuthTests.Fixture fixture) : IClassFixture<AuthTests.Fixture>
{
    private GatewayServer Server => fixture.Server;

    private SegmentationService.SegmentationServiceClient Client => Server.Client;

    [Fact]
    public async Task NoCredentials_UnauthenticatedWithCredentialsMissing()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_MISSING");
        Assert.Contains("x-api-key", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Bearer", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongApiKey_UnauthenticatedWithCredentialsInvalid_KeyNotEchoed()
    {
        var wrong = Credentials.NewApiKey();

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.SegmentAsync(Sample(), Credentials.ApiKey(wrong)).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_INVALID");
        Assert.Contains("not known", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RightApiKey_SegmentAndListModelsServed()
    {
        var models = await Client.ListModelsAsync(new ListModelsRequest(), Credentials.ApiKey(fixture.AliceKey)).ResponseAsync.DefaultTimeout();
        var response = await Client.SegmentAsync(Sample(), Credentials.ApiKey(fixture.AliceKey)).ResponseAsync.DefaultTimeout();

        Assert.Contains(models.Models, m => m.Name == "camvid");
        Assert.Equal(480, response.Width);
        Server.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task ApiKeyWithoutTheMethod_PermissionDeniedNamingMethodAndCaller()
    {
        await Client.ListModelsAsync(new ListModelsRequest(), Credentials.ApiKey(fixture.ViewerKey)).ResponseAsync.DefaultTimeout();

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.SegmentAsync(Sample(), Credentials.ApiKey(fixture.ViewerKey)).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.PermissionDenied, "METHOD_NOT_ALLOWED");
        Assert.Contains("'key:viewer' may not call Segment", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("allow ListModels", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JwtWithTheMethodInItsScope_Served_OtherMethodsDenied()
    {
        var token = Credentials.Token("svc-video", "openid Segment SegmentStream");

        var response = await Client.SegmentAsync(Sample(), Credentials.Bearer(token)).ResponseAsync.DefaultTimeout();
        var denied = await Assert.ThrowsAsync<RpcException>(
            () => Client.ListModelsAsync(new ListModelsRequest(), Credentials.Bearer(token)).ResponseAsync).DefaultTimeout();

        Assert.Equal(480, response.Width);
        AssertRefused(denied, StatusCode.PermissionDenied, "METHOD_NOT_ALLOWED");
        Assert.Contains("'jwt:svc-video' may not call ListModels", denied.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JwtSignedWithAnotherKey_Unauthenticated_SaysSignature()
    {
        var forged = Credentials.Token("mallory", "*", signingKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.ListModelsAsync(new ListModelsRequest(), Credentials.Bearer(forged)).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_INVALID");
        Assert.Contains("signature", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredJwt_Unauthenticated_SaysExpired()
    {
        // Expired beyond the default one-minute clock skew.
        var expired = Credentials.Token("svc", "*", lifetime: TimeSpan.FromMinutes(-5));

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.ListModelsAsync(new ListModelsRequest(), Credentials.Bearer(expired)).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_INVALID");
        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JwtForAnotherAudience_Unauthenticated_SaysAudience()
    {
        var other = Credentials.Token("svc", "*", audience: "another-service");

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Client.ListModelsAsync(new ListModelsRequest(), Credentials.Bearer(other)).ResponseAsync).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_INVALID");
        Assert.Contains("audience is not 'pointrend'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SegmentStreamWithoutCredentials_Unauthenticated()
    {
        using var call = Client.SegmentStream();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();

        AssertRefused(error, StatusCode.Unauthenticated, "CREDENTIALS_MISSING");
    }

    [Fact]
    public async Task OversizeMessageWithoutCredentials_UnauthenticatedBeforeTheMessageIsRead()
    {
        // Over Gateway:MaxReceiveMessageSize: with a key, gRPC refuses it while reading; without one, nothing is read.
        var oversize = new SegmentRequest { Image = new Image { Encoded = Google.Protobuf.ByteString.CopyFrom(new byte[Fixture.MaxReceiveMessageSize + 1024]) } };

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => Client.SegmentAsync(oversize).ResponseAsync).DefaultTimeout();
        var withKey = await Assert.ThrowsAsync<RpcException>(() => Client.SegmentAsync(oversize, Credentials.ApiKey(fixture.AliceKey)).ResponseAsync).DefaultTimeout();

        AssertRefused(anonymous, StatusCode.Unauthenticated, "CREDENTIALS_MISSING");
        Assert.Equal(StatusCode.ResourceExhausted, withKey.StatusCode);
    }

    [Fact]
    public async Task HealthAndReflection_AnswerWithoutCredentials()
    {
        var health = await Server.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        var reflection = new ServerReflection.ServerReflectionClient(Server.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Contains("pointrend.v1.SegmentationService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    private static SegmentRequest Sample() => TestImages.Encoded(TestImages.SamplePng, new SegmentOptions { Mode = RenderMode.Coarse });

    private static void AssertRefused(RpcException error, StatusCode code, string reason)
    {
        Assert.Equal(code, error.StatusCode);
        var info = error.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal(reason, info.Reason);
        Assert.Equal("pointrend.grpc", info.Domain);
        ErrorDetails.AssertClean(error.Status.Detail);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public const int MaxReceiveMessageSize = 1024 * 1024;

        private GatewayServer? _server;

        public string AliceKey { get; } = Credentials.NewApiKey();

        public string ViewerKey { get; } = Credentials.NewApiKey();

        public GatewayServer Server => _server ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync()
        {
            var settings = Credentials.AuthSettings(("alice", AliceKey, ["Segment", "ListModels"]), ("viewer", ViewerKey, ["ListModels"]));
            settings["WorkerPool:Workers"] = "1";
            settings["Gateway:MaxReceiveMessageSize"] = MaxReceiveMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Cache:Enabled"] = "false";
            _server = await GatewayServer.StartAsync(settings);
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
