namespace ParaIo.Frontend.Block;

/// <summary>How BlkFront sets up a block device.</summary>
public sealed class BlockFrontendOptions
{
    /// <summary>The ring size asked for (log2 pages), capped by the backend's <c>max-ring-page-order</c>. Order 0 holds 32 requests.</summary>
    public int RingPageOrder { get; init; }

    /// <summary>Ring requests in flight at most on each queue; 0 means the ring's size. Further requests wait for a slot.</summary>
    public int QueueDepth { get; init; }

    /// <summary>
    /// Queues (rings, each with its own completion thread) to set up, capped by the backend's
    /// <c>multi-queue-max-queues</c>; 0 means one a CPU. 1 (the default) publishes the flat
    /// single-ring keys; more publish <c>multi-queue-num-queues</c> and each queue's ring under
    /// <c>queue-N/</c>.
    /// </summary>
    public int Queues { get; init; } = 1;

    /// <summary>
    /// Segments per INDIRECT request, capped by the backend's <c>feature-max-indirect-segments</c>
    /// and by the guest's grant table (a full queue of such requests may use at most half the
    /// grants free when the device connects); 0 (or fewer than 12) sends large transfers as
    /// several direct requests instead.
    /// </summary>
    public int MaxIndirectSegments { get; init; } = 256;

    /// <summary>
    /// Use <c>feature-persistent</c> when the backend offers it (the default): data pages are
    /// granted writable, and those the backend keeps mapped keep their grants for later requests
    /// until the device closes. False grants every page per request.
    /// </summary>
    public bool PersistentGrants { get; init; } = true;

    /// <summary>The backend's domain, to which buffers and rings are granted.</summary>
    public ushort BackendDomain { get; init; }

    /// <summary>
    /// Run the continuations of completed requests on the completion thread instead of the thread
    /// pool. Saves a thread hop per request; only for callers whose continuations never block.
    /// </summary>
    public bool CompleteInline { get; init; }

    /// <summary>How long the completion thread polls for responses before it sleeps on the event channel.</summary>
    public TimeSpan Spin { get; init; } = TimeSpan.FromMicroseconds(50);
}
