using Microsoft.Extensions.Options;
using PointRend.Queueing.Redis;
using PointRend.Testing;
using StackExchange.Redis;

namespace PointRend.Distributed.FunctionalTests;

/// <summary>A worker's presence beat on its own connection (what a live worker process writes), without a consumer.</summary>
public sealed class PresenceBeat : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;

    private PresenceBeat(ConnectionMultiplexer redis, string prefix)
    {
        _redis = redis;
        var options = new RedisOptions { Configuration = redis.Configuration, KeyPrefix = prefix };
        _beating = new WorkerPresence(redis, Options.Create(options), Options.Create(new QueueOptions())).BeatAsync("presence-only", _stop.Token);
    }

    public static async Task<PresenceBeat> StartAsync(RedisServer server, string prefix)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(new RedisOptions { Configuration = server.Configuration, KeyPrefix = prefix }, "test-presence"));
        return new PresenceBeat(redis, prefix);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating.WaitAsync(PointRend.Testing.TaskExtensions.DefaultTimeoutSpan);
        _stop.Dispose();
        await _redis.DisposeAsync();
    }
}
