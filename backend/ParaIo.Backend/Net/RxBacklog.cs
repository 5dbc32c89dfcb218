using System.Buffers;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Net;

/// <summary>
/// Frames for the guest that found too few rx buffers posted, held in arrival order until the guest
/// posts more (Linux netback's per-queue rx queue, bounded by <c>rx_queue_max</c>). Bounded twice:
/// by bytes (one byte array, each frame contiguous in it, used as a ring) and by frames (a ring of
/// descriptors); a frame that does not fit is refused, never waited for.
/// </summary>
/// <remarks>
/// Not thread-safe: used under its queue's rx lock. The byte array is rented from a pool
/// when a frame waits in an empty backlog and returned when the backlog empties again, so only an
/// rx queue that is behind holds one, and no frame allocates.
/// </remarks>
internal sealed class RxBacklog
{
    // Its own pool: the shared one keeps returned arrays per thread, and a backlog fills on the
    // bridge's threads and empties on its rx thread. Holds at most 32 arrays of each size.
    private static readonly ArrayPool<byte> s_storage = ArrayPool<byte>.Create(64 * 1024 * 1024, 32);

    private readonly int _capacityBytes;
    private readonly Entry[] _entries;
    private byte[]? _bytes;
    private int _head;   // index of the oldest entry
    private int _count;  // entries held
    private int _read;   // byte offset of the oldest frame
    private int _write;  // byte offset where the next frame goes (or 0, after a wrap)
    private int _held;   // bytes of the frames held (without the tail skipped at a wrap)

    public RxBacklog(int capacityBytes, int capacityFrames)
    {
        _capacityBytes = capacityBytes;
        _entries = new Entry[capacityFrames];
    }

    /// <summary>Frames held.</summary>
    public int Count => _count;

    /// <summary>Bytes of the frames held.</summary>
    public int Bytes => _held;

    /// <summary>Bytes of storage rented (0 while nothing waits; else the byte bound).</summary>
    public int StorageBytes => _bytes is null ? 0 : _capacityBytes;

    /// <summary>Copies <paramref name="frame"/> (bytes and offloads) in behind the others; false when it does not fit.</summary>
    public bool TryAdd(in EgressFrame frame)
    {
        var length = frame.Length;
        if (_count == _entries.Length || length > _capacityBytes)
        {
            return false;
        }

        int offset;
        if (_count == 0)
        {
            offset = 0; // empty: start over at the front, the most contiguous room there is
        }
        else if (_write > _read)
        {
            // Not wrapped (frames have bytes, so a full wrap leaves _write <= _read): held bytes
            // are [_read, _write); room at the end, else at the front before _read.
            if (_capacityBytes - _write >= length)
            {
                offset = _write;
            }
            else if (length <= _read)
            {
                offset = 0;
            }
            else
            {
                return false;
            }
        }
        else
        {
            // Wrapped: held bytes are [_read, end of the last frame there) and [0, _write).
            if (_read - _write >= length)
            {
                offset = _write;
            }
            else
            {
                return false;
            }
        }

        _bytes ??= s_storage.Rent(_capacityBytes);
        frame.CopyTo(0, _bytes.AsSpan(offset, length));
        var tail = _head + _count;
        if (tail >= _entries.Length)
        {
            tail -= _entries.Length;
        }

        _entries[tail] = new Entry(offset, length, frame.Offload);
        if (_count == 0)
        {
            _read = offset;
        }

        _count++;
        _write = offset + length;
        _held += length;
        return true;
    }

    /// <summary>The oldest frame: its length and offloads.</summary>
    public ref readonly Entry Oldest => ref _entries[_head];

    /// <summary>Points <paramref name="frame"/> at the oldest frame's bytes, valid until it is removed.</summary>
    public void LoadOldest(EthernetFrame frame)
    {
        ref readonly var entry = ref _entries[_head];
        frame.Clear();
        frame.Append(_bytes!, entry.Offset, entry.Length);
        frame.Offload = entry.Offload;
    }

    /// <summary>Forgets the oldest frame.</summary>
    public void RemoveOldest()
    {
        ref var entry = ref _entries[_head];
        _held -= entry.Length;
        entry = default;
        _head = _head + 1 == _entries.Length ? 0 : _head + 1;
        if (--_count == 0)
        {
            _head = 0;
            _read = 0;
            _write = 0;
            ReturnStorage(); // an rx queue that caught up holds no memory
        }
        else
        {
            // The next frame may sit at the front after a wrap: reading resumes there.
            _read = _entries[_head].Offset;
        }
    }

    /// <summary>Forgets every frame; returns how many there were.</summary>
    public int Clear()
    {
        var dropped = _count;
        while (_count > 0)
        {
            RemoveOldest();
        }

        return dropped;
    }

    /// <summary>Forgets every frame (which returns the storage to the pool); returns how many there were.</summary>
    public int Release() => Clear();

    private void ReturnStorage()
    {
        if (_bytes is { } bytes)
        {
            _bytes = null;
            s_storage.Return(bytes);
        }
    }

    /// <summary>Where one waiting frame is and what the sender said about it.</summary>
    internal readonly record struct Entry(int Offset, int Length, FrameOffload Offload);
}
