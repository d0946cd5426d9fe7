using Google.Protobuf;
using Microsoft.Extensions.Options;
using PointRend.Contracts.V1;

namespace PointRend.Queueing.Caching;

/// <summary>The embedded mode's cache: serialized responses, least recently used evicted past <see cref="CacheOptions.MaxMemoryBytes"/>.</summary>
public sealed class MemoryResultCache(IOptions<CacheOptions> options, TimeProvider time) : IResultCache
{
    private readonly CacheOptions _options = options.Value;
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    public ValueTask<SegmentResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        byte[] bytes;
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                return ValueTask.FromResult<SegmentResponse?>(null);
            }

            if (node.Value.Expires <= time.GetUtcNow())
            {
                Remove(node);
                return ValueTask.FromResult<SegmentResponse?>(null);
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
            bytes = node.Value.Bytes;
        }

        // A fresh copy per hit: callers set correlation_id and cache_hit on it.
        return ValueTask.FromResult<SegmentResponse?>(SegmentResponse.Parser.ParseFrom(bytes));
    }

    public ValueTask SetAsync(string key, SegmentResponse response, CancellationToken cancellationToken)
    {
        var bytes = response.ToByteArray();
        if (bytes.LongLength > _options.MaxMemoryBytes)
        {
            return ValueTask.CompletedTask;
        }

        lock (_lock)
        {
            if (_map.TryGetValue(key, out var old))
            {
                Remove(old);
            }

            var node = _lru.AddFirst(new Entry(key, bytes, time.GetUtcNow() + _options.Ttl));
            _map[key] = node;
            _bytes += bytes.LongLength;
            while (_bytes > _options.MaxMemoryBytes && _lru.Last is { } last)
            {
                Remove(last);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Key);
        _bytes -= node.Value.Bytes.LongLength;
    }

    private sealed record Entry(string Key, byte[] Bytes, DateTimeOffset Expires);
}
