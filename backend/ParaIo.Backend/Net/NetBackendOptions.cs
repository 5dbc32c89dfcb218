namespace ParaIo.Backend.Net;

/// <summary>Limits and tuning of the vif backend.</summary>
public sealed class NetBackendOptions
{
    /// <summary>The most queue pairs a frontend may set up (<c>multi-queue-max-queues</c>).</summary>
    public int MaxQueues { get; init; } = 4;

    /// <summary>How long a queue's tx thread spins before it sleeps on its port.</summary>
    public TimeSpan Spin { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Frames a tx thread takes before it publishes their responses.</summary>
    public int TxBatch { get; init; } = 64;

    /// <summary>
    /// Grants each queue keeps mapped per direction when the frontend offers
    /// <c>feature-persistent</c>; grants beyond are mapped per frame.
    /// </summary>
    public int MaxPersistentGrants { get; init; } = 1024;

    /// <summary>Offer TCPv4 and TCPv6 GSO.</summary>
    public bool Gso { get; init; } = true;

    /// <summary>
    /// Bytes of frames each rx queue holds for a guest that has too few buffers posted, until it
    /// posts more; beyond, frames are dropped. 0: none held. Linux's netback holds 512 KiB
    /// (<c>rx_queue_max</c>) and then stops the vif's queue, so the qdisc in front of it holds
    /// more; ParaIo has no qdisc, and 2 MiB is what iperf3 between two guests needed to stop
    /// losing frames (512 KiB still lost ~30,000 segments in 5 s). Storage is pooled and held
    /// only while frames wait.
    /// </summary>
    public int RxBacklogBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Frames each rx queue holds at most, whatever their size (see <see cref="RxBacklogBytes"/>).</summary>
    public int RxBacklogFrames { get; init; } = 1024;

    /// <summary>
    /// How long frames may wait for a guest that posts no rx buffers before they are dropped
    /// (Linux netback's rx stall timeout); a guest that stalls cannot pin its backlog for ever.
    /// </summary>
    public TimeSpan RxStallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxQueues, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(Spin, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPersistentGrants);
        ArgumentOutOfRangeException.ThrowIfNegative(RxBacklogBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RxBacklogBytes, 64 * 1024 * 1024);
        ArgumentOutOfRangeException.ThrowIfNegative(RxBacklogFrames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RxBacklogFrames, 65536);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RxStallTimeout, TimeSpan.Zero);
    }
}
