using PointRend.Gateway.Tiling;
using PointRend.Queueing.Caching;
using PointRend.Queueing.Redis;

namespace PointRend.Distributed.FunctionalTests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        Assert.Empty(new QueueOptions().Validate());
        Assert.Empty(new RedisOptions().Validate());
        Assert.Empty(new CacheOptions().Validate());
        Assert.Empty(new TilingOptions().Validate());
    }

    [Fact]
    public void EachBadValueIsReportedWithItsKey()
    {
        var queue = new QueueOptions { MaxLength = 0, ClaimIdle = TimeSpan.FromMilliseconds(10), MaxDeliveries = 0, WorkerConcurrency = -1 }.Validate().ToList();
        var tiling = new TilingOptions { TileSize = 100, Overlap = 60 }.Validate().ToList();
        var cache = new CacheOptions { Ttl = TimeSpan.Zero }.Validate().ToList();

        Assert.Contains(queue, m => m.StartsWith("Queue:MaxLength is 0", StringComparison.Ordinal));
        Assert.Contains(queue, m => m.StartsWith("Queue:ClaimIdle", StringComparison.Ordinal));
        Assert.Contains(queue, m => m.StartsWith("Queue:MaxDeliveries is 0", StringComparison.Ordinal));
        Assert.Contains(queue, m => m.StartsWith("Queue:WorkerConcurrency is -1", StringComparison.Ordinal));
        Assert.Contains(tiling, m => m.StartsWith("Tiling:Overlap is 60", StringComparison.Ordinal));
        Assert.Contains(cache, m => m.StartsWith("Cache:Ttl", StringComparison.Ordinal));
        Assert.Contains(new RedisOptions { KeyPrefix = "" }.Validate(), m => m.StartsWith("Redis:KeyPrefix", StringComparison.Ordinal));
    }
}
