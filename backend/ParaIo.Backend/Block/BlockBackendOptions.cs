namespace ParaIo.Backend.Block;

/// <summary>Limits and tuning of the block backend, the same for every device of one driver.</summary>
public sealed class BlockBackendOptions
{
    /// <summary>The largest <see cref="MaxQueues"/> accepted.</summary>
    public const int MaxQueuesLimit = 16;

    /// <summary>The largest ring (log2 pages) a frontend may offer; advertised as <c>max-ring-page-order</c>. 0..4.</summary>
    public int MaxRingPageOrder { get; init; } = 4;

    /// <summary>
    /// The most segments an INDIRECT request may carry, advertised as
    /// <c>feature-max-indirect-segments</c>; 0 turns INDIRECT off (the key is then not written).
    /// At most 4096 (8 pages of 512).
    /// </summary>
    public int MaxIndirectSegments { get; init; } = 256;

    /// <summary>
    /// The most queues (rings, each with its own thread) a frontend may set up for one device;
    /// advertised as <c>multi-queue-max-queues</c>. 1..16.
    /// </summary>
    public int MaxQueues { get; init; } = 4;

    /// <summary>Requests one queue of a device serves at once; further requests wait in its ring.</summary>
    public int MaxInFlight { get; init; } = 128;

    /// <summary>How long the ring thread polls for work before it sleeps on the event channel.</summary>
    public TimeSpan Spin { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>
    /// Grants each queue keeps mapped for a frontend that negotiated <c>feature-persistent</c>
    /// (Linux's blkback keeps 1056 a queue: 32 requests of 33 pages); grants beyond it are mapped
    /// for one request. 0 advertises <c>feature-persistent</c> = 0: every grant is mapped per request.
    /// </summary>
    public int MaxPersistentGrants { get; init; } = 1056;

    /// <summary>Advertise and serve FLUSH_DISKCACHE.</summary>
    public bool FlushCache { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRingPageOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRingPageOrder, RingBuffer.Rings.RingLayout.MaxPageOrder);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxIndirectSegments);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxIndirectSegments, Protocol.Block.BlkifProtocol.MaxIndirectSegments);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxQueues, MaxQueuesLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(Spin, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPersistentGrants);
    }
}
