namespace ParaIo.Backend.Net;

/// <summary>
/// Counters of one vif: frames and bytes each way, tx frames dropped by reason, rx frames dropped
/// by reason. Updated atomically from the queues' threads and the bridge's; read at any time.
/// </summary>
public sealed class NetBackendCounters
{
    private readonly long[] _malformed = new long[Enum.GetValues<NetTxMalformed>().Length];
    private readonly long[] _rxDrops = new long[Enum.GetValues<NetRxDrop>().Length];
    private long _txFrames;
    private long _txBytes;
    private long _txGso;
    private long _rxFrames;
    private long _rxBytes;
    private long _rxGso;
    private long _rxBacklogged;

    /// <summary>Frames the guest sent that went to the bridge.</summary>
    public long TxFrames => Volatile.Read(ref _txFrames);

    /// <summary>Bytes of <see cref="TxFrames"/>.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>Of <see cref="TxFrames"/>, the GSO ones.</summary>
    public long TxGsoFrames => Volatile.Read(ref _txGso);

    /// <summary>Frames copied into the guest's buffers.</summary>
    public long RxFrames => Volatile.Read(ref _rxFrames);

    /// <summary>Bytes of <see cref="RxFrames"/>.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Of <see cref="RxFrames"/>, the GSO ones.</summary>
    public long RxGsoFrames => Volatile.Read(ref _rxGso);

    /// <summary>Frames for the guest that waited in a backlog for buffers (delivered later, or dropped as <see cref="NetRxDrop.Stalled"/>).</summary>
    public long RxBacklogged => Volatile.Read(ref _rxBacklogged);

    /// <summary>Tx frames dropped as malformed for <paramref name="reason"/>.</summary>
    public long Malformed(NetTxMalformed reason) => Volatile.Read(ref _malformed[(int)reason]);

    /// <summary>Tx frames dropped as malformed, all reasons.</summary>
    public long MalformedTotal => _malformed.Sum(v => Volatile.Read(ref v));

    /// <summary>Rx frames dropped for <paramref name="reason"/>.</summary>
    public long RxDropped(NetRxDrop reason) => Volatile.Read(ref _rxDrops[(int)reason]);

    /// <summary>Rx frames dropped, all reasons.</summary>
    public long RxDroppedTotal => _rxDrops.Sum(v => Volatile.Read(ref v));

    internal void CountTx(int bytes, bool gso)
    {
        Interlocked.Increment(ref _txFrames);
        Interlocked.Add(ref _txBytes, bytes);
        if (gso)
        {
            Interlocked.Increment(ref _txGso);
        }
    }

    internal void CountRx(int bytes, bool gso)
    {
        Interlocked.Increment(ref _rxFrames);
        Interlocked.Add(ref _rxBytes, bytes);
        if (gso)
        {
            Interlocked.Increment(ref _rxGso);
        }
    }

    internal void CountRxBacklogged() => Interlocked.Increment(ref _rxBacklogged);

    internal void CountRxDrop(NetRxDrop reason, int frames)
    {
        if (frames > 0)
        {
            Interlocked.Add(ref _rxDrops[(int)reason], frames);
        }
    }

    internal void CountMalformed(NetTxMalformed reason) => Interlocked.Increment(ref _malformed[(int)reason]);

    internal void CountRxDrop(NetRxDrop reason) => Interlocked.Increment(ref _rxDrops[(int)reason]);
}
