using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// redis-server, the real gateway in distributed mode and worker processes started from the build output: the
/// deployment of the README's "Distributed mode", on loopback.
/// </summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    private readonly List<WorkerProcess> _workers = [];
    private RedisServer? _redis;
    private GatewayServer? _gateway;
    private ConnectionMultiplexer? _inspector;

    /// <summary>Short, so a killed worker's job comes back within seconds; heartbeats keep live workers' jobs.</summary>
    public static readonly TimeSpan ClaimIdle = TimeSpan.FromSeconds(3);

    protected abstract int InitialWorkers { get; }

    public string Prefix => GetType().Name;

    public RedisServer Redis => _redis ?? throw new InvalidOperationException("not started");

    public GatewayServer Gateway => _gateway ?? throw new InvalidOperationException("not started");

    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public RedisKeys Keys => new(Prefix);

    /// <summary>A test's own view of Redis, for looking at streams the way an operator would.</summary>
    public IDatabase Db => (_inspector ?? throw new InvalidOperationException("not started")).GetDatabase();

    /// <summary>False for a cluster at the queue's shipped defaults, as users run it.</summary>
    protected virtual bool ShortQueueTimings => true;

    public Dictionary<string, string> QueueSettings => ShortQueueTimings
        ? new() { ["Queue:ClaimIdle"] = ClaimIdle.ToString(), ["Queue:SafetyPoll"] = "00:00:00.500" }
        : [];

    /// <summary>The redis-server of this cluster; a fixture can start it with a password or ACL users.</summary>
    protected virtual Task<RedisServer> StartRedisAsync() => RedisServer.StartNewAsync();

    /// <summary>The configuration string gateway and workers connect with (the test's own view uses the server's default user).</summary>
    public virtual string ClientConfiguration => Redis.Configuration;

    public async Task InitializeAsync()
    {
        _redis = await StartRedisAsync();
        _inspector = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var starting = Enumerable.Range(0, InitialWorkers).Select(_ => StartWorker()).ToList();
        var settings = QueueSettings;
        settings["Redis:Configuration"] = ClientConfiguration;
        settings["Redis:KeyPrefix"] = Prefix;
        settings["Gateway:MetricsPort"] = GatewayMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _gateway = await GatewayServer.StartAsync(settings);
        foreach (var worker in starting)
        {
            await worker.WaitUntilConsumingAsync();
        }
    }

    /// <summary>The gateway's own Prometheus port (Gateway:MetricsPort).</summary>
    public int GatewayMetricsPort { get; } = TestPorts.Free();

    public WorkerProcess StartWorker(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var settings = QueueSettings;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        settings["Worker:MetricsPort"] = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var worker = WorkerProcess.Start(ClientConfiguration, Prefix, settings);
        _workers.Add(worker);
        return worker;
    }

    public string WorkerOutput => string.Join("\n---\n", _workers.Select(w => $"worker {w.Pid}:\n{w.Output}"));

    /// <summary>
    /// Waits until <paramref name="worker"/> holds a job (delivered, not acknowledged), stops it (SIGSTOP) and returns
    /// that job's id once the entry is seen still held after the stop; a job that finished between the look and the
    /// stop is let go (SIGCONT) and the next one awaited. A kill that follows lands mid-job whatever a job takes.
    /// </summary>
    public async Task<string> StopHoldingAJobAsync(WorkerProcess worker)
    {
        while (true)
        {
            var (entryId, _) = await WaitForHeldJobAsync(worker);
            worker.Pause();
            if ((await HeldJobAsync(worker, entryId)).Job is { } held)
            {
                return held;
            }

            worker.Resume();
        }
    }

    /// <summary>Waits until <paramref name="worker"/> holds a job (delivered, not acknowledged): its entry and job id.</summary>
    public async Task<(RedisValue EntryId, string Job)> WaitForHeldJobAsync(WorkerProcess worker)
    {
        (RedisValue EntryId, string? Job) held = default;
        await QueueHarness.WaitUntilAsync(async () =>
        {
            if (worker.HasExited)
            {
                throw new InvalidOperationException($"worker exited early:\n{worker.Output}");
            }

            held = await HeldJobAsync(worker, RedisValue.Null);
            return held.Job is not null;
        });
        return (held.EntryId, held.Job!);
    }

    /// <summary>The entry and job id <paramref name="worker"/> holds (only <paramref name="entryId"/> when given), or nulls.</summary>
    private async Task<(RedisValue EntryId, string? Job)> HeldJobAsync(WorkerProcess worker, RedisValue entryId)
    {
        var pending = await Db.StreamPendingMessagesAsync(Keys.Jobs, "workers", 10, RedisValue.Null);
        var mine = pending.FirstOrDefault(p => p.ConsumerName.ToString().StartsWith(worker.ConsumerPrefix, StringComparison.Ordinal)
            && (entryId.IsNull || p.MessageId == entryId));
        if (mine.MessageId.IsNull)
        {
            return (RedisValue.Null, null);
        }

        var entry = await Db.StreamRangeAsync(Keys.Jobs, mine.MessageId, mine.MessageId);
        return (mine.MessageId, entry.Length == 1 ? (string?)entry[0]["job"] : null);
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _inspector?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

public sealed class TwoWorkers : ClusterFixture
{
    protected override int InitialWorkers => 2;
}

public sealed class KillableWorkers : ClusterFixture
{
    protected override int InitialWorkers => 0;
}

/// <summary>Workers started by each test, every Queue:* option at its default.</summary>
public sealed class KillableWorkersAtDefaults : ClusterFixture
{
    protected override int InitialWorkers => 0;

    protected override bool ShortQueueTimings => false;
}

/// <summary>
/// One worker; gateway and worker connect as an ACL user (user= and password= in Redis:Configuration) that may touch
/// only keys and channels under the cluster's prefix, on a server whose default user has a password.
/// </summary>
public sealed class AclUserCluster : ClusterFixture
{
    private const string User = "pointrend";
    private const string Password = "acl-password";

    protected override int InitialWorkers => 1;

    public override string ClientConfiguration => $"{Redis.Address},user={User},password={Password}";

    protected override Task<RedisServer> StartRedisAsync() => RedisServer.StartNewAsync(
        password: "default-user-password",
        extraArgs: ["--user", User, "on", ">" + Password, $"~{Prefix}:*", $"&{Prefix}:*", "+@all"]);
}
