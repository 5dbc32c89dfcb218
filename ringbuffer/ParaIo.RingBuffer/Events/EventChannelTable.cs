using ParaIo.RingBuffer.Grants;

namespace ParaIo.RingBuffer.Events;

/// <summary>Guest-side allocator of its pool's event channel ports. Thread-safe.</summary>
public sealed unsafe class EventChannelTable
{
    private readonly GrantPool _pool;
    private readonly bool[] _used;
    private readonly Lock _lock = new();

    /// <summary>Manages the ports of a pool this guest created.</summary>
    public EventChannelTable(GrantPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!pool.IsOwner)
        {
            throw new InvalidOperationException("Only the guest that created a pool allocates its event channels.");
        }

        _pool = pool;
        _used = new bool[pool.Geometry.EventPorts];
    }

    /// <summary>Allocates a free port, cleared, and returns this end of it.</summary>
    /// <exception cref="InvalidOperationException">Every port is in use.</exception>
    public EventChannel Allocate()
    {
        lock (_lock)
        {
            var port = Array.IndexOf(_used, false);
            if (port < 0)
            {
                throw new InvalidOperationException($"All {_used.Length} event channel ports of the pool are in use.");
            }

            _used[port] = true;
            new Span<byte>(_pool.EventPortPointer((uint)port), EventChannelLayout.PortStride).Clear();
            return new EventChannel(_pool, (uint)port);
        }
    }

    /// <summary>Returns a port to the table.</summary>
    public void Free(EventChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            if (channel.Pool != _pool || !_used[channel.Port])
            {
                throw new InvalidOperationException($"Event channel port {channel.Port} is not allocated from this table.");
            }

            _used[channel.Port] = false;
        }
    }
}
