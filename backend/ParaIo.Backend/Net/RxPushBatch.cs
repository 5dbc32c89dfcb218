namespace ParaIo.Backend.Net;

/// <summary>
/// The rx rings a tx thread has written responses to and not yet published. A frame the bridge
/// hands a vif on a thread that owns a batch is copied into the guest's buffers at once, but its
/// responses are published (one release store, one fence, at most one notify) when the thread
/// ends its batch of tx requests, once per ring rather than once per frame. A thread without a
/// batch (a TAP uplink, a test port) publishes each frame at once.
/// </summary>
/// <remarks>
/// One per tx thread, used only by it (<see cref="Current"/> is thread-static). The list is
/// bounded; a ring that finds it full publishes at once.
/// </remarks>
internal sealed class RxPushBatch
{
    private const int Capacity = 64;

    [ThreadStatic]
    private static RxPushBatch? t_current;

    private readonly VifQueue[] _queues = new VifQueue[Capacity];
    private int _count;

    /// <summary>The calling thread's batch, or null when it publishes each frame at once.</summary>
    public static RxPushBatch? Current => t_current;

    /// <summary>Gives the calling thread a batch (a tx thread, at its start).</summary>
    public static RxPushBatch Begin() => t_current ??= new RxPushBatch();

    /// <summary>Adds a ring to publish at <see cref="Flush"/>; false when the batch is full (publish now).</summary>
    public bool TryAdd(VifQueue queue)
    {
        if (_count == _queues.Length)
        {
            return false;
        }

        _queues[_count++] = queue;
        return true;
    }

    /// <summary>Publishes every ring added since the last flush.</summary>
    public void Flush()
    {
        for (var i = 0; i < _count; i++)
        {
            _queues[i].PublishDeferred(this);
            _queues[i] = null!;
        }

        _count = 0;
    }
}
