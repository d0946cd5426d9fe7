using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>redis-server with <c>requirepass</c> and an ACL user: the right credentials serve, wrong ones are reported as such.</summary>
public sealed class RedisCredentialsTests(RedisCredentialsTests.PasswordServer redis) : IClassFixture<RedisCredentialsTests.PasswordServer>
{
    private const string Password = "s3cret-default";
    private const string AclUser = "pointrend-test";
    private const string AclPassword = "s3cret-acl";

    [Fact]
    public async Task RightPassword_JobsGoThroughRedisAndAreAnswered()
    {
        await using var harness = await QueueHarness.StartAsync(redis.Server); // "127.0.0.1:PORT,password=..."
        await harness.AddConsumerAsync(new FakeProcessor());

        var response = await harness.Runner.RunAsync(FakeProcessor.Request("with-password", "p"), DateTime.UtcNow.AddSeconds(30), default).DefaultTimeout();

        Assert.Equal("with-password", response.CorrelationId);
        Assert.Empty(harness.UnexpectedErrors());
    }

    [Fact]
    public async Task AclUser_UserAndPasswordInTheConfigurationString_Served()
    {
        // The user may touch only keys and channels under its prefix, so this also shows the queue stays inside it.
        await using var harness = await QueueHarness.StartAsync(redis.Server, configuration: $"{redis.Server.Address},user={AclUser},password={AclPassword}",
            test: "acl");
        await harness.AddConsumerAsync(new FakeProcessor());

        var response = await harness.Runner.RunAsync(FakeProcessor.Request("acl-user", "a"), DateTime.UtcNow.AddSeconds(30), default).DefaultTimeout();

        Assert.Equal("acl-user", response.CorrelationId);
        Assert.Empty(harness.UnexpectedErrors());
    }

    [Theory]
    [InlineData("wrong password", ",password=not-the-password")]
    [InlineData("no password", "")]
    [InlineData("wrong ACL password", ",user=" + AclUser + ",password=not-the-password")]
    public async Task WrongCredentials_GatewayLogsAnAuthenticationFailure_NotUnreachable(string _, string credentials)
    {
        // Arrange: a distributed gateway whose Redis:Configuration carries the wrong credentials.
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string>
        {
            ["Redis:Configuration"] = redis.Server.Address + credentials,
            ["Redis:KeyPrefix"] = "wrong-credentials",
        });

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(
            () => gateway.Client.SegmentAsync(new SegmentRequest { Image = new Image { Encoded = Google.Protobuf.ByteString.CopyFrom(File.ReadAllBytes(TestPaths.SampleImage)) } })
                .ResponseAsync).DefaultTimeout();
        var health = await gateway.Health.CheckAsync(new HealthCheckRequest()).ResponseAsync.DefaultTimeout();

        // Assert: the caller sees an outage (no Redis detail); the operator's log says what to fix.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("BACKEND_UNAVAILABLE", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        ErrorDetails.AssertClean(error.Status.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        // The start's report may come from a retry when the first handshake was still in flight (RedisConnection.StartReport).
        await Poll.UntilAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Name == "RedisAuthenticationFailedAtStart"));
        var events = gateway.Logs.Entries.Select(e => e.EventId.Name).ToList();
        Assert.Single(events, e => e == "RedisAuthenticationFailedAtStart");
        Assert.Contains("RedisAuthenticationFailed", events);
        Assert.DoesNotContain("QueueUnreachable", events);
        var line = gateway.Logs.Entries.First(e => e.EventId.Name == "RedisAuthenticationFailed");
        Assert.Contains("Redis:Configuration", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.ToString().Contains("not-the-password", StringComparison.Ordinal));
        gateway.AssertNoUnexpectedErrors("RedisAuthenticationFailedAtStart", "RedisAuthenticationFailed", "HealthCheckEnd"); // the health check fails, as it should
    }

    [Fact]
    public async Task TlsAndPassword_PrivateCaTrustedThroughRedisCaCertificateFile_Served_WithoutIt_Refused()
    {
        // Arrange: a TLS-only redis-server whose certificate comes from a CA made here, so the system does not trust it.
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("Redis test CA");
        var (certificate, key) = certificates.WritePemWithKey(certificates.IssueServer(authority), "redis");
        var caFile = certificates.WritePem(authority, "redis-ca");
        await using var server = await RedisServer.StartNewAsync(password: Password, tls: new RedisTls(certificate, key, caFile));
        Assert.Contains("ssl=true", server.Configuration, StringComparison.Ordinal);

        // Act: the gateway side through the same path the processes use (RedisConnection.Options).
        await using var harness = await QueueHarness.StartAsync(server, caCertificateFile: caFile);
        await harness.AddConsumerAsync(new FakeProcessor());
        var response = await harness.Runner.RunAsync(FakeProcessor.Request("over-tls", "t"), DateTime.UtcNow.AddSeconds(30), default).DefaultTimeout();
        using var untrusting = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            PointRend.Queueing.Redis.RedisConnection.Options(new PointRend.Queueing.Redis.RedisOptions { Configuration = server.Configuration }, "no-ca"));

        // Assert
        Assert.Equal("over-tls", response.CorrelationId);
        Assert.False(untrusting.IsConnected, "connected over TLS without trusting the private CA");
    }

    /// <summary>A server with a default-user password and one ACL user limited to keys and channels under <c>test:acl</c>.</summary>
    public sealed class PasswordServer : IAsyncLifetime
    {
        private RedisServer? _server;

        public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync() => _server = await RedisServer.StartNewAsync(
            password: Password,
            extraArgs: ["--user", AclUser, "on", ">" + AclPassword, "~test:acl:*", "&test:acl:*", "+@all"]);

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
