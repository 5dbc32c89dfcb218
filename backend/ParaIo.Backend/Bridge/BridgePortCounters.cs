namespace ParaIo.Backend.Bridge;

/// <summary>
/// Counters of one bridge port, seen from the bridge: rx is what the port brought in, tx what the
/// bridge handed it. Updated atomically from any port's thread; read at any time.
/// </summary>
public sealed class BridgePortCounters
{
    private long _rxFrames;
    private long _rxBytes;
    private long _txFrames;
    private long _txBytes;
    private long _rxDropped;
    private long _txDropped;
    private long _flooded;

    /// <summary>Frames the port brought into the bridge.</summary>
    public long RxFrames => Volatile.Read(ref _rxFrames);

    /// <summary>Bytes the port brought into the bridge.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Frames the bridge handed to the port and the port took.</summary>
    public long TxFrames => Volatile.Read(ref _txFrames);

    /// <summary>Bytes of <see cref="TxFrames"/>.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>Frames from the port the bridge dropped: runts, a VLAN the port does not carry.</summary>
    public long RxDropped => Volatile.Read(ref _rxDropped);

    /// <summary>Frames for the port that it refused (no buffers, stopped).</summary>
    public long TxDropped => Volatile.Read(ref _txDropped);

    /// <summary>Frames from the port that the bridge flooded (broadcast, multicast, unknown unicast).</summary>
    public long Flooded => Volatile.Read(ref _flooded);

    internal void CountRx(int bytes)
    {
        Interlocked.Increment(ref _rxFrames);
        Interlocked.Add(ref _rxBytes, bytes);
    }

    internal void CountTx(int bytes)
    {
        Interlocked.Increment(ref _txFrames);
        Interlocked.Add(ref _txBytes, bytes);
    }

    internal void CountRxDropped() => Interlocked.Increment(ref _rxDropped);

    internal void CountTxDropped() => Interlocked.Increment(ref _txDropped);

    internal void CountFlooded() => Interlocked.Increment(ref _flooded);
}
