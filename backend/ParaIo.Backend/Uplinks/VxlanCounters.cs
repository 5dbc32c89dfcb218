namespace ParaIo.Backend.Uplinks;

/// <summary>
/// The tunnel side of one <see cref="VxlanUplinkPort"/>: datagrams and bytes on the wire each way,
/// received datagrams dropped by <see cref="VxlanDrop"/> reason, and the offload work done in
/// software on the way out. The bridge counts the frames themselves in the port's
/// <see cref="Bridge.BridgePort.Counters"/>. Updated atomically; read at any time.
/// </summary>
public sealed class VxlanCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<VxlanDrop>().Length];
    private long _rxDatagrams;
    private long _rxBytes;
    private long _txDatagrams;
    private long _txBytes;
    private long _segmented;
    private long _checksummed;
    private long _unsupported;
    private long _sendErrors;
    private long _receiveErrors;

    /// <summary>Datagrams received whose inner frame went into the bridge.</summary>
    public long RxDatagrams => Volatile.Read(ref _rxDatagrams);

    /// <summary>UDP payload bytes (VXLAN header included) of <see cref="RxDatagrams"/>.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Datagrams sent to the remote VTEP (a segmented frame sends one a segment).</summary>
    public long TxDatagrams => Volatile.Read(ref _txDatagrams);

    /// <summary>UDP payload bytes (VXLAN header included) of <see cref="TxDatagrams"/>.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>GSO frames cut into MSS-sized segments before they were sent.</summary>
    public long Segmented => Volatile.Read(ref _segmented);

    /// <summary>Frames whose blank (partial) checksum was filled in before they were sent.</summary>
    public long Checksummed => Volatile.Read(ref _checksummed);

    /// <summary>Frames dropped because their offloads cannot be done in software: a blank checksum that is not TCP or UDP over IP, GSO of a frame that is not TCP over the IP version it names, or a frame too long for one datagram.</summary>
    public long Unsupported => Volatile.Read(ref _unsupported);

    /// <summary>Datagrams the socket refused to send.</summary>
    public long SendErrors => Volatile.Read(ref _sendErrors);

    /// <summary>Receives that failed on the socket.</summary>
    public long ReceiveErrors => Volatile.Read(ref _receiveErrors);

    /// <summary>All received datagrams dropped, whatever the reason.</summary>
    public long Dropped
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _drops.Length; i++)
            {
                total += Volatile.Read(ref _drops[i]);
            }

            return total;
        }
    }

    /// <summary>Received datagrams dropped for <paramref name="reason"/>.</summary>
    public long DroppedFor(VxlanDrop reason) => Volatile.Read(ref _drops[(int)reason]);

    internal void CountReceived(int bytes)
    {
        Interlocked.Increment(ref _rxDatagrams);
        Interlocked.Add(ref _rxBytes, bytes);
    }

    internal void CountSent(int bytes)
    {
        Interlocked.Increment(ref _txDatagrams);
        Interlocked.Add(ref _txBytes, bytes);
    }

    internal void CountDrop(VxlanDrop reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void CountSegmented() => Interlocked.Increment(ref _segmented);

    internal void CountChecksummed() => Interlocked.Increment(ref _checksummed);

    internal void CountUnsupported() => Interlocked.Increment(ref _unsupported);

    internal long CountSendError() => Interlocked.Increment(ref _sendErrors);

    internal long CountReceiveError() => Interlocked.Increment(ref _receiveErrors);
}
