using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PointRend.Contracts.V1;
using PointRend.Testing;

namespace PointRend.Deployment.Tests;

/// <summary>
/// k8s/overlays/secure (rendered: k8s/rendered/secure.yaml): TLS, mutual TLS, API keys and JWTs on the gateway, every
/// credential read from a Secret mount, and probes that still work although the kubelet's grpc probe speaks no TLS.
/// </summary>
public sealed class SecureOverlayTests
{
    private const string Gateway = "pointrend-gateway";

    private static readonly Manifests Secure = Manifests.Load("secure");

    [Fact]
    public void EveryCredentialFileComesFromAReadOnlySecretMountTheAppUserCanRead()
    {
        var env = Manifests.Env(Secure.Container(Gateway));
        var mounts = SecretStandIns.SecretMounts(Secure, Gateway);
        var pod = Secure.Get("Deployment", Gateway)["spec"]["template"]["spec"];

        Assert.StartsWith("https://", env["ASPNETCORE_URLS"], StringComparison.Ordinal);
        Assert.Equal("true", env["Auth__Enabled"]);
        Assert.Equal("true", env["Tls__RequireClientCertificate"]);
        string[] fileKeys = ["Kestrel__Certificates__Default__Path", "Kestrel__Certificates__Default__KeyPath", "Tls__ClientCaFile", "Auth__ApiKeysFile"];
        Assert.All(fileKeys, k => Assert.True(env.ContainsKey(k), $"the secure overlay does not set {k}"));
        foreach (var (key, path) in env.Where(e => e.Value.StartsWith('/')))
        {
            var mount = mounts.SingleOrDefault(m => path.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
            Assert.True(mount.Mount is not null, $"{key}={path} is not under a Secret mount ({string.Join(", ", mounts.Select(m => m.MountPath))})");
            Assert.Equal("true", mount.Mount!["readOnly"].Text);
        }

        Assert.Equal(["pointrend-auth", "pointrend-client-ca", "pointrend-gateway-tls"], mounts.Select(m => m.Volume["secret"]["secretName"].Text).Order());

        // A mode without "other" read needs fsGroup = the app user's group, or the non-root process cannot read the files.
        foreach (var (_, _, volume) in mounts)
        {
            var mode = volume["secret"]["defaultMode"].Text is { } text ? Convert.ToInt32(text, text.StartsWith('0') ? 8 : 10) : 0x1A4; // 0644
            if ((mode & 0x4) == 0)
            {
                Assert.Equal(pod["securityContext"]["runAsGroup"].Text, pod["securityContext"]["fsGroup"].Text);
            }
        }
    }

    [Fact]
    public void ProbesAskThePlaintextHealthPort_ServicesSayTls()
    {
        var gateway = Secure.Container(Gateway);
        var healthPort = Manifests.ContainerPort(gateway, "health");

        Assert.Equal(healthPort.ToString(CultureInfo.InvariantCulture), Manifests.Env(gateway)["Gateway__HealthPort"]);
        Assert.Equal(healthPort.ToString(CultureInfo.InvariantCulture), gateway["readinessProbe"]["grpc"]["port"].Text);
        Assert.Equal(healthPort.ToString(CultureInfo.InvariantCulture), gateway["startupProbe"]["grpc"]["port"].Text);
        Assert.Equal("grpc", gateway["livenessProbe"]["tcpSocket"]["port"].Text);
        Assert.NotEqual(Manifests.ContainerPort(gateway, "grpc"), healthPort);
        foreach (var service in Secure.OfKind("Service").Where(s => s["spec"]["selector"]["app"].Text == Gateway))
        {
            Assert.Equal("https", service["spec"]["ports"][0]["appProtocol"].Text);
        }
    }

    [Fact]
    public async Task ItsSettingsStartAGateway_TheProbeGetsServingOverPlaintext_TheServiceWantsTlsACertificateAndAKey()
    {
        // Arrange: the overlay's gateway settings with stand-ins for the Secrets' files; embedded (no Redis here) and on
        // free loopback ports, everything else as rendered.
        using var secrets = new SecretStandIns();
        var gateway = Secure.Container(Gateway);
        var env = secrets.Env(Secure, Gateway);
        var healthPort = TestPorts.Free();
        var settings = env
            .Where(e => e.Key is not ("Redis__Configuration" or "Gateway__MetricsPort" or "ASPNETCORE_URLS" or "Gateway__HealthPort"))
            .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => e.Value);
        settings["urls"] = "https://127.0.0.1:0";
        settings["Gateway:HealthPort"] = healthPort.ToString(CultureInfo.InvariantCulture);
        var client = secrets.IssueClient("svc-deploy-test");
        await using var server = await GatewayServer.StartAsync(settings, secrets.Handler(client));
        using var probe = GrpcChannel.ForAddress($"http://127.0.0.1:{healthPort}"); // what the kubelet's grpc probe speaks
        var keyed = new Metadata { { "x-api-key", secrets.ApiKey } };

        // Act
        var probed = await new Health.HealthClient(probe).CheckAsync(new HealthCheckRequest { Service = gateway["readinessProbe"]["grpc"]["service"].Text ?? "" })
            .ResponseAsync.DefaultTimeout();
        var withoutKey = await Assert.ThrowsAsync<RpcException>(() => server.Client.ListModelsAsync(new ListModelsRequest()).ResponseAsync).DefaultTimeout();
        var withKey = await server.Client.ListModelsAsync(new ListModelsRequest(), keyed).ResponseAsync.DefaultTimeout();
        var withoutCertificate = new SegmentationService.SegmentationServiceClient(server.OpenChannel(secrets.Handler(null)));
        var handshake = await Assert.ThrowsAsync<RpcException>(() => withoutCertificate.ListModelsAsync(new ListModelsRequest(), keyed).ResponseAsync).DefaultTimeout();

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, probed.Status);
        Assert.Equal(StatusCode.Unauthenticated, withoutKey.StatusCode);
        Assert.NotEmpty(withKey.Models);
        Assert.True(handshake.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{handshake.StatusCode}: {handshake.Status.Detail}");
    }
}
