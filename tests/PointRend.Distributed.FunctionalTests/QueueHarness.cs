using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>
/// A gateway-side <see cref="RedisJobRunner"/> and in-process consumers, each with its own multiplexer as separate
/// processes would have, on keys prefixed with the calling test's name so tests sharing a server never collide.
/// </summary>
public sealed class QueueHarness : IAsyncDisposable
{
    private readonly List<(ConnectionMultiplexer Redis, CancellationTokenSource Stop, Task Run)> _consumers = [];
    private readonly string _configuration;
    private readonly string? _caCertificateFile;
    private ILoggerFactory? _logs;

    private QueueHarness(string configuration, string? caCertificateFile, string prefix, QueueOptions queue, ConnectionMultiplexer gatewayRedis)
    {
        _configuration = configuration;
        _caCertificateFile = caCertificateFile;
        Prefix = prefix;
        Queue = queue;
        GatewayRedis = gatewayRedis;
        Keys = new RedisKeys(prefix);
        Runner = new RedisJobRunner(gatewayRedis, Options.Create(RedisOptions), Options.Create(queue),
            new WorkerPresence(gatewayRedis, Options.Create(RedisOptions), Options.Create(queue)), Logs.CreateLogger<RedisJobRunner>());
    }

    public string Prefix { get; }

    public QueueOptions Queue { get; }

    public RedisKeys Keys { get; }

    public ConnectionMultiplexer GatewayRedis { get; }

    public IDatabase Db => GatewayRedis.GetDatabase();

    public RedisJobRunner Runner { get; }

    public TestLogSink LogSink { get; } = new();

    public ILoggerFactory Logs => _logs ??= LoggerFactory.Create(b => b.AddProvider(LogSink));

    public RedisOptions RedisOptions => new() { Configuration = _configuration, CaCertificateFile = _caCertificateFile, KeyPrefix = Prefix };

    /// <param name="configuration">The configuration string both sides use; default the server's own (with its password, if any).</param>
    /// <param name="caCertificateFile">Redis:CaCertificateFile, for a TLS server with a private CA.</param>
    public static async Task<QueueHarness> StartAsync(RedisServer server, Action<QueueOptions>? configure = null, string? configuration = null,
        string? caCertificateFile = null, [CallerMemberName] string test = "")
    {
        // One job at a time per consumer: tests reason about which consumer holds which job, in stream order.
        var queue = new QueueOptions { ClaimIdle = TimeSpan.FromSeconds(5), SafetyPoll = TimeSpan.FromMilliseconds(500), WorkerConcurrency = 1 };
        configure?.Invoke(queue);
        Assert.Empty(queue.Validate());
        var prefix = $"test:{test}";
        configuration ??= server.Configuration;
        var options = new RedisOptions { Configuration = configuration, CaCertificateFile = caCertificateFile, KeyPrefix = prefix };
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(options, "test-gateway"));
        return new QueueHarness(configuration, caCertificateFile, prefix, queue, redis);
    }

    /// <summary>Starts a consumer as a separate worker would run it; returns it once it is reading.</summary>
    public async Task<RedisJobConsumer> AddConsumerAsync(ISegmentProcessor processor)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(RedisOptions, "test-worker"));
        var consumer = new RedisJobConsumer(redis, processor, Options.Create(RedisOptions), Options.Create(Queue),
            new WorkerPresence(redis, Options.Create(RedisOptions), Options.Create(Queue)), Logs.CreateLogger<RedisJobConsumer>());
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => consumer.RunAsync(stop.Token));
        _consumers.Add((redis, stop, run));

        // The group exists once the consumer has joined; until then an XADD would still be served (group at 0), but
        // tests that read the group's state need it.
        await WaitUntilAsync(async () => await Db.KeyExistsAsync(Keys.Jobs) && (await Db.StreamGroupInfoAsync(Keys.Jobs)).Any(g => g.Name == Queue.ConsumerGroup));
        return consumer;
    }

    /// <summary>
    /// Reports a worker alive (its presence beat) that takes no job, so the gateway side enqueues as it would while every
    /// real worker is busy; tests of the stream's own mechanics need jobs to stay in it.
    /// </summary>
    public async Task AddIdleWorkerPresenceAsync()
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(RedisOptions, "test-idle-worker"));
        var stop = new CancellationTokenSource();
        var presence = new WorkerPresence(redis, Options.Create(RedisOptions), Options.Create(Queue));
        var run = presence.BeatAsync("idle-worker", stop.Token);
        _consumers.Add((redis, stop, run));
        await WaitUntilAsync(async () => await Runner.Presence.RefreshAsync() > 0);
    }

    /// <summary>Jobs waiting or running: the stream length (finished jobs are deleted from it).</summary>
    public Task<long> BacklogAsync() => Db.StreamLengthAsync(Keys.Jobs);

    public async Task<StreamEntry[]> DeadLettersAsync() => await Db.StreamRangeAsync(Keys.DeadLetters);

    /// <summary>Error lines other than <paramref name="expected"/> (by EventName).</summary>
    public IReadOnlyList<LogEntry> UnexpectedErrors(params string[] expected) =>
        LogSink.Entries.Where(e => e.Level >= LogLevel.Error && !expected.Contains(e.EventId.Name)).ToList();

    /// <summary>Waits for a condition the system guarantees eventually; bounded by the default test timeout.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, [CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.UntilAsync(() => Holds(condition), what);

    private static async Task<bool> Holds(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (RedisConnectionException)
        {
            return false; // Redis down or not back yet: not true yet
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, stop, _) in _consumers)
        {
            await stop.CancelAsync();
        }

        foreach (var (redis, stop, run) in _consumers)
        {
            await run.WaitAsync(PointRend.Testing.TaskExtensions.DefaultTimeoutSpan);
            stop.Dispose();
            await redis.DisposeAsync();
        }

        await Runner.DisposeAsync();
        await GatewayRedis.DisposeAsync();
        _logs?.Dispose();
    }
}
