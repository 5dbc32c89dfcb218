using System.Collections.Concurrent;

namespace ParaIo.Backend.Bridge;

/// <summary>
/// The bridge's forwarding database: (VLAN, MAC) → port, learned from source addresses, aged out
/// after a time without frames. Lock-free lookups; an entry is allocated only for a new station.
/// </summary>
internal sealed class MacTable
{
    private readonly ConcurrentDictionary<ulong, Entry> _entries = new();
    private readonly int _capacity;

    public MacTable(int capacity) => _capacity = capacity;

    public int Count => _entries.Count;

    /// <summary>Records that <paramref name="mac"/> on <paramref name="vlan"/> was seen at <paramref name="port"/>.</summary>
    public void Learn(int vlan, MacAddress mac, BridgePort port, long now)
    {
        var key = Key(vlan, mac);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.Port != port)
            {
                entry.Port = port; // the station moved
            }

            if (Volatile.Read(ref entry.LastSeen) != now)
            {
                Volatile.Write(ref entry.LastSeen, now);
            }

            return;
        }

        if (_entries.Count >= _capacity || port.Bridge is null)
        {
            return; // full: unknown stations are flooded, as by a switch whose table is full
        }

        _entries.TryAdd(key, new Entry(port, now));
    }

    /// <summary>The port of a live entry; an expired entry, or one whose port left, is removed.</summary>
    public bool TryLookup(int vlan, MacAddress mac, long now, long maxAge, out BridgePort port)
    {
        var key = Key(vlan, mac);
        if (_entries.TryGetValue(key, out var entry))
        {
            port = entry.Port;
            if (now - Volatile.Read(ref entry.LastSeen) <= maxAge && port.Bridge is not null)
            {
                return true;
            }

            _entries.TryRemove(new KeyValuePair<ulong, Entry>(key, entry));
        }

        port = null!;
        return false;
    }

    /// <summary>Removes every entry older than <paramref name="maxAge"/>; returns how many.</summary>
    public int Sweep(long now, long maxAge)
    {
        var removed = 0;
        foreach (var pair in _entries)
        {
            if (now - Volatile.Read(ref pair.Value.LastSeen) > maxAge && _entries.TryRemove(pair))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Removes every entry pointing at <paramref name="port"/>.</summary>
    public void Purge(BridgePort port)
    {
        foreach (var pair in _entries)
        {
            if (pair.Value.Port == port)
            {
                _entries.TryRemove(pair);
            }
        }
    }

    public IEnumerable<(int Vlan, MacAddress Mac, BridgePort Port, long LastSeen)> Entries() =>
        _entries.Select(p => ((int)(p.Key >> 48), new MacAddress(p.Key & 0xFFFF_FFFF_FFFF), p.Value.Port, Volatile.Read(ref p.Value.LastSeen)));

    private static ulong Key(int vlan, MacAddress mac) => ((ulong)vlan << 48) | mac.Value;

    private sealed class Entry(BridgePort port, long lastSeen)
    {
        public volatile BridgePort Port = port;
        public long LastSeen = lastSeen;
    }
}
