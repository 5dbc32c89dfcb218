namespace ParaIo.Backend.Qos;

/// <summary>
/// The rate achieved over the last second: bytes counted into ten 100 ms slots of a
/// <see cref="TimeProvider"/>'s clock, summed over the slots of the last second. Unlike the
/// scheduler's smoothed estimate it is a plain average, what an operator compares with a
/// configured rate. Thread-safe; no allocation.
/// </summary>
internal sealed class SlidingRate
{
    private const int Slots = 10;

    private readonly Lock _lock = new();
    private readonly long[] _bytes = new long[Slots];
    private readonly long[] _slotOf = new long[Slots];
    private readonly long _slotTicks;
    private readonly long _origin;

    public SlidingRate(long now, long ticksPerSecond)
    {
        _origin = now;
        _slotTicks = Math.Max(1, ticksPerSecond / Slots);
    }

    /// <summary>Counts <paramref name="bytes"/> sent at <paramref name="now"/>.</summary>
    public void Add(long bytes, long now)
    {
        var slot = SlotAt(now);
        var index = (int)(slot % Slots);
        lock (_lock)
        {
            if (_slotOf[index] != slot)
            {
                _slotOf[index] = slot;
                _bytes[index] = 0;
            }

            _bytes[index] += bytes;
        }
    }

    /// <summary>Bytes a second from the start of the oldest slot still in the last second (or since creation) to <paramref name="now"/>.</summary>
    public double BytesPerSecond(long now)
    {
        var slot = SlotAt(now);
        var oldest = Math.Max(0, slot - Slots + 1);
        var elapsed = now - _origin - (oldest * _slotTicks);
        if (elapsed <= 0)
        {
            return 0;
        }

        long bytes = 0;
        lock (_lock)
        {
            for (var i = 0; i < Slots; i++)
            {
                if (_slotOf[i] >= oldest && _slotOf[i] <= slot)
                {
                    bytes += _bytes[i];
                }
            }
        }

        return bytes * (double)(_slotTicks * Slots) / elapsed;
    }

    private long SlotAt(long now) => Math.Max(0, now - _origin) / _slotTicks;
}
