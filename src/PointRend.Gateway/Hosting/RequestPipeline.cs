using Microsoft.Extensions.Options;
using PointRend.Contracts;
using PointRend.Contracts.V1;
using PointRend.Gateway.Admission;
using PointRend.Gateway.Tiling;
using PointRend.Hosting;
using PointRend.Inference;
using PointRend.Inference.Validation;
using PointRend.Queueing;
using PointRend.Queueing.Caching;
using PointRend.Queueing.InProcess;
using PointRend.Queueing.Redis;

namespace PointRend.Gateway.Hosting;

/// <summary>
/// The path a request takes behind the gRPC edge, in both modes. <see cref="RequestAdmission"/> validates, prices
/// and charges it; then, outermost first: tiling (large images become one job per tile), the result cache (a hit
/// needs no worker), fair sharing of the workers between callers, and the queue (the in-process pool, or Redis
/// streams and worker processes when <c>Redis:Configuration</c> is set). docs/architecture.md draws it.
/// </summary>
/// <param name="Runner">The whole chain, for Segment and SegmentStream.</param>
/// <param name="Tiles">The tiling stage on its own, for SegmentTiled (which streams tiles as they finish).</param>
/// <param name="PoolSlots">Jobs the pool runs at once now: the in-process workers, or the live workers' slots.</param>
public sealed record RequestPipeline(ISegmentJobRunner Runner, TiledSegmenter Tiles, Func<int> PoolSlots)
{
    public static IServiceCollection AddRequestPipeline(IServiceCollection services, IConfiguration configuration)
    {
        var distributed = configuration.IsDistributed();
        if (distributed)
        {
            // The gateway runs no model: model.json files tell it everything the edge needs; workers load sessions.
            services.AddRedisJobRunner(configuration);
            services.AddSingleton(sp => ModelManifests.Load(sp.GetRequiredService<IOptions<InferenceOptions>>().Value));
            services.AddSingleton(sp => ModelListing.From(sp.GetRequiredService<ModelManifests>(), executionProvider: string.Empty));
            services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis").AddCheck<WorkerPresence>("workers");
        }
        else
        {
            services.AddSegmentProcessor();
            services.AddValidatedOptions<WorkerPoolOptions>(configuration, WorkerPoolOptions.SectionName, o => o.Validate());
            services.AddSingleton<InProcessJobRunner>();
            services.AddHealthChecks().AddCheck<InProcessJobRunner>("pool");
            services.AddSingleton(sp => sp.GetRequiredService<SegmentProcessor>().Catalog.Manifests);
            services.AddSingleton(sp => sp.GetRequiredService<SegmentProcessor>().ListModels());
        }

        var cached = services.AddResultCache(configuration);
        services.AddTilingOptions(configuration);
        services.AddSingleton(sp => new RequestValidator(
            sp.GetRequiredService<ModelManifests>(),
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
            sp.GetRequiredService<IOptions<TilingOptions>>().Value.TileSize));
        services.AddSingleton<RequestAdmission>();
        services.AddSingleton(sp => Compose(sp, distributed, cached));
        services.AddSingleton(sp => sp.GetRequiredService<RequestPipeline>().Runner);
        return services;
    }

    private static RequestPipeline Compose(IServiceProvider sp, bool distributed, bool cached)
    {
        var time = sp.GetRequiredService<TimeProvider>();
        ISegmentJobRunner queue = distributed ? sp.GetRequiredService<RedisJobRunner>() : sp.GetRequiredService<InProcessJobRunner>();
        ISegmentJobRunner shared;
        Func<int> slots;
        if (distributed)
        {
            var presence = sp.GetRequiredService<WorkerPresence>();
            var maxLength = sp.GetRequiredService<IOptions<QueueOptions>>().Value.MaxLength;
            slots = () => presence.LiveSlots;
            shared = new FairShareJobRunner(queue, slots, maxLength, $"{QueueOptions.SectionName}:{nameof(QueueOptions.MaxLength)}", time);
        }
        else
        {
            var pool = sp.GetRequiredService<IOptions<WorkerPoolOptions>>().Value;
            slots = () => pool.EffectiveWorkers;
            shared = new FairShareJobRunner(queue, slots, pool.QueueCapacity,
                $"{WorkerPoolOptions.SectionName}:{nameof(WorkerPoolOptions.QueueCapacity)}", time);
        }

        var beforeTiling = cached
            ? new CachingJobRunner(shared, sp.GetRequiredService<IResultCache>(), sp.GetRequiredService<IModelVersions>(), time)
            : shared;
        var tiles = new TiledSegmenter(
            beforeTiling,
            sp.GetRequiredService<ModelManifests>(),
            sp.GetRequiredService<IOptions<TilingOptions>>().Value,
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value);
        return new RequestPipeline(new TilingJobRunner(beforeTiling, tiles), tiles, slots);
    }
}
