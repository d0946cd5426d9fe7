using PointRend.Inference;
using PointRend.Queueing.Redis;
using StackExchange.Redis;

namespace PointRend.Worker;

/// <summary>
/// Runs the Redis consumer. On SIGTERM the host cancels <c>stoppingToken</c>: no new job is read, the one in
/// progress finishes (within <c>Worker:ShutdownTimeout</c>), and anything unacknowledged is reclaimed by another worker.
/// </summary>
public sealed class JobConsumerService(
    RedisJobConsumer consumer, SegmentProcessor processor, IConnectionMultiplexer redis, ILogger<JobConsumerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var models = new Dictionary<string, string>();
        foreach (var model in processor.ListModels().Models)
        {
            models[model.Name] = model.Version;
            if (model.IsDefault)
            {
                models[string.Empty] = model.Name;
            }
        }

        consumer.Models = models;
        WorkerLog.Started(logger, consumer.ConsumerName, string.Join(",", redis.GetEndPoints().Select(e => e.ToString())));
        await consumer.RunAsync(stoppingToken);
        WorkerLog.Stopped(logger, consumer.ConsumerName);
    }
}
