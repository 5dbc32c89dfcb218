namespace ParaIo.Backend.Qos;

/// <summary>
/// One traffic class of a <see cref="ShapedFlow"/>: its leaf in the port's scheduler, the bound on
/// what it may hold queued, and its counters. Producers reserve queue room under their flow's
/// lock; the sender thread releases it and counts what it forwards.
/// </summary>
internal sealed class ShapedClass
{
    private long _bytesSent;
    private long _framesSent;
    private long _dropped;
    private long _queuedBytes;
    private int _queued;

    public ShapedClass(ShapedFlow flow, QosNode node, long now, long ticksPerSecond)
    {
        Flow = flow;
        Node = node;
        Rate = new SlidingRate(now, ticksPerSecond);
    }

    /// <summary>The vNIC the class belongs to.</summary>
    public ShapedFlow Flow { get; }

    /// <summary>The class's leaf.</summary>
    public QosNode Node { get; }

    /// <summary>Bytes forwarded over the last second.</summary>
    public SlidingRate Rate { get; }

    /// <summary>
    /// Takes room for one frame of <paramref name="bytes"/> if the class holds less than
    /// <paramref name="limit"/> bytes with it; false when there is no room. Called under the flow's lock.
    /// </summary>
    /// <remarks>
    /// Not a sign of whether the sender must be woken: the sender gives a frame's room back just
    /// after taking it from the scheduler, so a producer can find room taken by a frame that has
    /// left the scheduler already. The scheduler says that (<see cref="PortScheduler.Enqueue(QosNode, object, int, out bool)"/>).
    /// </remarks>
    public bool TryReserve(int bytes, long limit)
    {
        if (Volatile.Read(ref _queuedBytes) + bytes > limit)
        {
            return false;
        }

        Interlocked.Add(ref _queuedBytes, bytes);
        Interlocked.Increment(ref _queued);
        return true;
    }

    /// <summary>Gives back the room of a frame that left the queue (sent, refused or discarded).</summary>
    public void Release(int bytes)
    {
        Interlocked.Add(ref _queuedBytes, -bytes);
        Interlocked.Decrement(ref _queued);
    }

    public void CountSent(int bytes, long now)
    {
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Increment(ref _framesSent);
        Rate.Add(bytes, now);
    }

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public ShapedClassSnapshot Snapshot(long now)
    {
        var settings = Node.Settings;
        return new ShapedClassSnapshot(
            Node.Name,
            settings.CommittedRate,
            settings.Ceiling,
            settings.Priority,
            Interlocked.Read(ref _bytesSent),
            Interlocked.Read(ref _framesSent),
            Interlocked.Read(ref _dropped),
            Volatile.Read(ref _queued),
            Interlocked.Read(ref _queuedBytes),
            Rate.BytesPerSecond(now));
    }
}
