using System.Globalization;
using System.Reflection;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using PointRend.Gateway.Options;
using PointRend.Gateway.Security;
using PointRend.Gateway.Tiling;
using PointRend.Hosting;
using PointRend.Inference;
using PointRend.Queueing.Caching;
using PointRend.Queueing.InProcess;
using PointRend.Queueing.Redis;
using PointRend.Testing;

namespace PointRend.Deployment.Tests;

/// <summary>
/// The rendered manifests (k8s/rendered/*.yaml, kept equal to `kubectl kustomize` by .ci/k8s-check) agree with the code:
/// environment variables name options that exist and pass their validation, ports line up, the health service
/// the probes ask for answers SERVING, and the KEDA trigger watches the stream the workers read.
/// </summary>
public sealed class ManifestTests
{
    private const string Gateway = "pointrend-gateway";
    private const string Worker = "pointrend-worker";
    private const string Redis = "pointrend-redis";

    public static TheoryData<string> AllManifests => new(Manifests.Names);

    /// <summary>Sections bound to options classes, as the gateway and worker hosts bind them.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.Ordinal)
    {
        [GatewayOptions.SectionName] = typeof(GatewayOptions),
        [TilingOptions.SectionName] = typeof(TilingOptions),
        [InferenceOptions.SectionName] = typeof(InferenceOptions),
        [WorkerPoolOptions.SectionName] = typeof(WorkerPoolOptions),
        [RedisOptions.SectionName] = typeof(RedisOptions),
        [QueueOptions.SectionName] = typeof(QueueOptions),
        [CacheOptions.SectionName] = typeof(CacheOptions),
        [AuthOptions.SectionName] = typeof(AuthOptions),
        [CallerLimitsOptions.SectionName] = typeof(CallerLimitsOptions),
        [TlsOptions.SectionName] = typeof(TlsOptions),
        [TelemetryOptions.SectionName] = typeof(TelemetryOptions),
        ["Worker"] = typeof(HostOptions), // WorkerHostingExtensions: Configure<HostOptions>(GetSection("Worker"))
    };

    /// <summary>Keys read directly rather than bound: AddMetricsPort(configuration, key) in each host (exercised through
    /// real ports by DistributedModeTests.GatewayAndWorkerMetricsPortsCountTheJobOverHttp1 and MetricsExposureTests), ASP.NET Core's urls and
    /// Kestrel's certificate (TlsTests).</summary>
    private static readonly HashSet<string> RawKeys =
    [
        "Gateway:MetricsPort", "Gateway:MetricsAddress", "Worker:MetricsPort", "Worker:MetricsAddress", "urls",
        "Kestrel:Certificates:Default:Path", "Kestrel:Certificates:Default:KeyPath", "Kestrel:Certificates:Default:Password",
    ];

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void EveryEnvironmentVariableIsAnOptionsKeyAndItsValuePassesValidation(string name)
    {
        var manifests = Manifests.Load(name);
        using var secrets = new SecretStandIns(); // files the overlay mounts from Secrets, so file options validate for real
        foreach (var deployment in new[] { Gateway, Worker })
        {
            var env = secrets.Env(manifests, deployment);
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (variable, value) in env)
            {
                var key = variable == "ASPNETCORE_URLS" ? "urls" : variable.Replace("__", ":", StringComparison.Ordinal);
                Assert.True(IsKnownKey(key), $"{name}: {deployment} sets {variable}, but no options class has {key}");
                settings[key] = value;
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            foreach (var (section, type) in Sections.Where(s => s.Value != typeof(HostOptions)))
            {
                var options = Activator.CreateInstance(type)!;
                configuration.GetSection(section).Bind(options);
                var problems = ((IEnumerable<string>)type.GetMethod("Validate")!.Invoke(options, null)!).ToList();
                Assert.True(problems.Count == 0, $"{name}: {deployment}'s {section} options fail validation: {string.Join("; ", problems)}");
            }
        }
    }

    [Fact]
    public void AKeyNoOptionsClassHasIsCaught()
    {
        // The check above can fail: a misspelt variable is not a key.
        Assert.False(IsKnownKey("Inference:ExecutionProviders"));
        Assert.False(IsKnownKey("Redis:Config"));
        Assert.True(IsKnownKey("Inference:ExecutionProvider"));
        Assert.True(IsKnownKey("queue:consumergroup"));
        Assert.True(IsKnownKey("Auth:Jwt:SigningKeyFile"));
        Assert.True(IsKnownKey("Auth:ApiKeys:0:Methods:1"));
        Assert.False(IsKnownKey("Auth:Jwt:SigningKeys"));
        Assert.False(IsKnownKey("Auth:Jwt")); // a section, not a value
        Assert.True(IsKnownKey("Kestrel:Certificates:Default:KeyPath"));
    }

    [Fact]
    public void EveryVariableTheDeployGuideSetsIsAnOptionsKey()
    {
        // docs/deploy.md's security patches are copied into overlays by hand: a misspelt key there would be ignored silently.
        var guide = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "deploy.md"));
        var names = System.Text.RegularExpressions.Regex.Matches(guide, @"name: ([A-Za-z]+__[A-Za-z0-9_]+)").Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.Contains("Auth__ApiKeysFile", names);
        Assert.All(names, n => Assert.True(IsKnownKey(n.Replace("__", ":", StringComparison.Ordinal)), $"docs/deploy.md sets {n}, but no options class has it"));
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void PortsAgreeWithTheListenAddressesAndTheServices(string name)
    {
        var m = Manifests.Load(name);
        var gateway = m.Container(Gateway);
        var gatewayEnv = Manifests.Env(gateway);
        var grpcPort = Manifests.ContainerPort(gateway, "grpc");
        Assert.Equal(grpcPort, new Uri(gatewayEnv["ASPNETCORE_URLS"].Replace("0.0.0.0", "host", StringComparison.Ordinal)).Port);
        Assert.Equal(Manifests.ContainerPort(gateway, "metrics"), int.Parse(gatewayEnv["Gateway__MetricsPort"], CultureInfo.InvariantCulture));
        // The kubelet's grpc probe speaks plaintext: with TLS on the gRPC port it must ask Gateway:HealthPort instead.
        var probePort = gatewayEnv["ASPNETCORE_URLS"].StartsWith("https://", StringComparison.Ordinal)
            ? Manifests.ContainerPort(gateway, "health")
            : grpcPort;
        if (probePort != grpcPort)
        {
            Assert.Equal(probePort, int.Parse(gatewayEnv["Gateway__HealthPort"], CultureInfo.InvariantCulture));
        }

        Assert.Equal(probePort.ToString(CultureInfo.InvariantCulture), gateway["readinessProbe"]["grpc"]["port"].Text);
        Assert.Equal(probePort.ToString(CultureInfo.InvariantCulture), gateway["startupProbe"]["grpc"]["port"].Text);
        Assert.Equal("grpc", gateway["livenessProbe"]["tcpSocket"]["port"].Text);

        var worker = m.Container(Worker);
        var workerEnv = Manifests.Env(worker);
        Assert.Equal(Manifests.ContainerPort(worker, "metrics"), int.Parse(workerEnv["Worker__MetricsPort"], CultureInfo.InvariantCulture));
        Assert.Equal("metrics", worker["startupProbe"]["httpGet"]["port"].Text);
        Assert.Equal("/metrics", worker["livenessProbe"]["httpGet"]["path"].Text);

        // Every service selects a Deployment's pods and targets a port those pods name.
        foreach (var service in m.OfKind("Service"))
        {
            var app = service["spec"]["selector"]["app"].Text!;
            var container = m.Container(app);
            foreach (var port in service["spec"]["ports"].Items)
            {
                Assert.Contains(port["targetPort"].Text, container["ports"].Items.Select(p => p["name"].Text));
            }
        }

        // Gateway and workers reach Redis at its service name and port.
        var redisPort = m.Get("Service", Redis)["spec"]["ports"][0]["port"].Text;
        Assert.Equal($"{Redis}:{redisPort}", gatewayEnv["Redis__Configuration"]);
        Assert.Equal($"{Redis}:{redisPort}", workerEnv["Redis__Configuration"]);
        Assert.Equal(redisPort, m.Container(Redis)["ports"][0]["containerPort"].Text);
    }

    [Fact]
    public async Task TheHealthServiceTheProbesAskForAnswersServing()
    {
        var gateway = Manifests.Load("base").Container(Gateway);
        var services = new[] { gateway["readinessProbe"]["grpc"]["service"], gateway["startupProbe"]["grpc"]["service"] }
            .Select(s => s.Text ?? "").Distinct().ToList();
        await using var server = await GatewayServer.StartAsync();

        foreach (var service in services)
        {
            var reply = await server.Health.CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.DefaultTimeout();
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }

        // A name the gateway does not register is NOT_FOUND, so a wrong name in the manifest would fail above.
        var missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => server.Health.CheckAsync(new HealthCheckRequest { Service = "pointrend.v1.Nope" }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public void TheKedaTriggerWatchesTheStreamTheWorkersRead()
    {
        var m = Manifests.Load("keda");
        var scaled = m.Get("ScaledObject", Worker);
        Assert.Equal(Worker, scaled["spec"]["scaleTargetRef"]["name"].Text);
        Assert.Empty(m.OfKind("HorizontalPodAutoscaler"));
        var workerEnv = Manifests.Env(m.Container(Worker));
        var trigger = scaled["spec"]["triggers"].Items.Single();
        Assert.Equal("redis-streams", trigger["type"].Text);
        var meta = trigger["metadata"];

        var prefix = workerEnv.GetValueOrDefault("Redis__KeyPrefix", new RedisOptions().KeyPrefix);
        Assert.Equal((string)new RedisKeys(prefix).Jobs!, meta["stream"].Text);
        // KEDA's operator connects from its own namespace: the address must name Redis's service with its namespace.
        var ns = scaled["metadata"]["namespace"].Text;
        Assert.False(string.IsNullOrEmpty(ns), "the KEDA overlay pins a namespace");
        var redisPort = m.Get("Service", Redis)["spec"]["ports"][0]["port"].Text;
        Assert.Equal($"{Redis}.{ns}.svc.cluster.local:{redisPort}", meta["address"].Text);
        Assert.All(m.Objects, o => Assert.Equal(ns, o["metadata"]["namespace"].Text));
        if (!meta["consumerGroup"].Missing)
        {
            Assert.Equal(workerEnv.GetValueOrDefault("Queue__ConsumerGroup", new QueueOptions().ConsumerGroup), meta["consumerGroup"].Text);
        }

        // XLEN is the backlog because finished jobs are deleted; with a consumerGroup KEDA would ignore streamLength.
        Assert.True(meta["consumerGroup"].Missing && !meta["streamLength"].Missing, "the trigger scales on streamLength (XLEN), without consumerGroup");
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void PodsRunAsNonRootOnAReadOnlyRootFilesystemWithADisruptionBudget(string name)
    {
        var m = Manifests.Load(name);
        foreach (var deployment in m.OfKind("Deployment"))
        {
            var pod = deployment["spec"]["template"]["spec"];
            Assert.True(pod["securityContext"]["runAsNonRoot"].Text == "true", $"{deployment.Path}: runAsNonRoot");
            Assert.NotEqual("0", pod["securityContext"]["runAsUser"].Text);
            foreach (var container in pod["containers"].Items)
            {
                Assert.True(container["securityContext"]["readOnlyRootFilesystem"].Text == "true", $"{container.Path}: readOnlyRootFilesystem");
                Assert.True(container["securityContext"]["allowPrivilegeEscalation"].Text == "false", $"{container.Path}: allowPrivilegeEscalation");
            }
        }

        foreach (var app in new[] { Gateway, Worker })
        {
            Assert.Single(m.OfKind("PodDisruptionBudget"), p => p["spec"]["selector"]["matchLabels"]["app"].Text == app);
        }

        // Long-lived gRPC channels: a headless service for client-side round-robin over the gateway pods.
        Assert.Single(m.OfKind("Service"), s => s["spec"]["clusterIP"].Text == "None" && s["spec"]["selector"]["app"].Text == Gateway);
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void OnlyTheGatewayAndTheWorkersReachRedis(string name)
    {
        var m = Manifests.Load(name);
        var policy = m.OfKind("NetworkPolicy").Single(p => p["spec"]["podSelector"]["matchLabels"]["app"].Text == Redis);
        Assert.Equal(["Ingress"], policy["spec"]["policyTypes"].Items.Select(t => t.Text));
        var rule = policy["spec"]["ingress"].Items.Single();
        Assert.Equal(["6379"], rule["ports"].Items.Select(p => p["port"].Text));
        var peers = rule["from"].Items;
        var apps = peers.Where(p => p["namespaceSelector"].Missing).Select(p => p["podSelector"]["matchLabels"]["app"].Text).Order().ToList();
        Assert.Equal([Gateway, Worker], apps);

        // KEDA's operator reads XLEN, so only the KEDA overlay lets it in, and only from its own namespace.
        var others = peers.Where(p => !p["namespaceSelector"].Missing).ToList();
        if (name == "keda")
        {
            var keda = Assert.Single(others);
            Assert.Equal("keda", keda["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].Text);
            Assert.Equal("keda-operator", keda["podSelector"]["matchLabels"]["app.kubernetes.io/name"].Text);
        }
        else
        {
            Assert.Empty(others);
        }
    }

    [Fact]
    public void GpuWorkersRunTheGpuImageWithCudaRequiredAndTheRestStaysOnCpu()
    {
        var gpu = Manifests.Load("gpu");
        var worker = gpu.Container(Worker);
        Assert.Equal("pointrend-worker-gpu", worker["image"].Text);
        Assert.Equal("cuda", Manifests.Env(worker)["Inference__ExecutionProvider"]);
        Assert.Equal("1", worker["resources"]["limits"]["nvidia.com/gpu"].Text);
        Assert.Equal("pointrend-gateway", gpu.Container(Gateway)["image"].Text);

        foreach (var name in new[] { "base", "keda" })
        {
            var cpuWorker = Manifests.Load(name).Container(Worker);
            Assert.Equal("pointrend-worker", cpuWorker["image"].Text);
            Assert.Equal("auto", Manifests.Env(cpuWorker)["Inference__ExecutionProvider"]);
            Assert.True(cpuWorker["resources"]["limits"]["nvidia.com/gpu"].Missing);
        }
    }

    private static bool IsKnownKey(string key)
    {
        if (RawKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var parts = key.Split(':');
        if (parts.Length < 2 || Sections.FirstOrDefault(s => string.Equals(s.Key, parts[0], StringComparison.OrdinalIgnoreCase)).Value is not { } type)
        {
            return false;
        }

        // Nested sections (Auth:Jwt:Audience) and list items (Auth:ApiKeys:0:Name) as the binder reads them.
        foreach (var part in parts.Skip(1))
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return false;
                }

                type = type.GetGenericArguments()[0];
                continue;
            }

            if (type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not { } property
                || !(property.CanWrite || (property.PropertyType.IsClass && property.PropertyType != typeof(string))))
            {
                return false;
            }

            type = property.PropertyType;
        }

        return type == typeof(string) || type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
    }
}
