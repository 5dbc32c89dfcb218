using System.Collections.Concurrent;

namespace ParaIo.Backend.Bridge;

/// <summary>The named bridges of one backend: vifs join theirs by name (<c>bridge=br0</c>). Thread-safe.</summary>
public sealed class BridgeTable
{
    private readonly ConcurrentDictionary<string, SoftwareBridge> _bridges = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan? _agingTime;

    /// <summary>Creates an empty table; bridges it creates age by <paramref name="time"/>.</summary>
    public BridgeTable(TimeProvider? time = null, TimeSpan? agingTime = null)
    {
        _time = time ?? TimeProvider.System;
        _agingTime = agingTime;
    }

    /// <summary>The bridge named <paramref name="name"/>, created on first use.</summary>
    public SoftwareBridge GetOrCreate(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _bridges.GetOrAdd(name, n => new SoftwareBridge(n, _time, _agingTime));
    }

    /// <summary>The bridge named <paramref name="name"/>, if it exists.</summary>
    public bool TryGet(string name, out SoftwareBridge bridge) => _bridges.TryGetValue(name, out bridge!);

    /// <summary>Removes a bridge that has no ports left; false when it has ports or does not exist.</summary>
    public bool TryRemove(string name) =>
        _bridges.TryGetValue(name, out var bridge) && bridge.Ports.Count == 0 && _bridges.TryRemove(new KeyValuePair<string, SoftwareBridge>(name, bridge));

    /// <summary>The names of the bridges, sorted.</summary>
    public IReadOnlyList<string> Names => _bridges.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every bridge's snapshot, sorted by name.</summary>
    public IReadOnlyList<BridgeSnapshot> Snapshot() => _bridges.Values.OrderBy(b => b.Name, StringComparer.Ordinal).Select(b => b.Snapshot()).ToArray();
}
