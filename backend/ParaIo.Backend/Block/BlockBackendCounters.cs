namespace ParaIo.Backend.Block;

/// <summary>
/// Counters of one block device: requests by operation, bytes moved, I/O failures and every
/// rejection reason. Updated with atomic increments from the ring thread and the I/O completion
/// threads; read at any time. The same figures feed the <c>ParaIo</c> meter.
/// </summary>
public sealed class BlockBackendCounters
{
    private readonly long[] _rejections = new long[Enum.GetValues<BlockRejection>().Length];
    private long _reads;
    private long _writes;
    private long _flushes;
    private long _discards;
    private long _indirect;
    private long _bytesRead;
    private long _bytesWritten;
    private long _ioErrors;
    private long _ioNotSupported;

    /// <summary>READ requests taken from the ring, direct or indirect.</summary>
    public long Reads => Volatile.Read(ref _reads);

    /// <summary>WRITE requests taken from the ring, direct or indirect.</summary>
    public long Writes => Volatile.Read(ref _writes);

    /// <summary>FLUSH_DISKCACHE requests.</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    /// <summary>DISCARD requests.</summary>
    public long Discards => Volatile.Read(ref _discards);

    /// <summary>INDIRECT requests (also counted as reads or writes by their indirect_op).</summary>
    public long Indirect => Volatile.Read(ref _indirect);

    /// <summary>Bytes read from the LUN into guest pages.</summary>
    public long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>Bytes written from guest pages to the LUN.</summary>
    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>Well-formed requests the LUN failed (answered ERROR).</summary>
    public long IoErrors => Volatile.Read(ref _ioErrors);

    /// <summary>Well-formed requests the LUN could not serve (answered EOPNOTSUPP).</summary>
    public long IoNotSupported => Volatile.Read(ref _ioNotSupported);

    /// <summary>Requests rejected for <paramref name="reason"/>.</summary>
    public long Rejected(BlockRejection reason) => Volatile.Read(ref _rejections[(int)reason]);

    /// <summary>Requests rejected for any reason.</summary>
    public long RejectedTotal
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _rejections.Length; i++)
            {
                sum += Volatile.Read(ref _rejections[i]);
            }

            return sum;
        }
    }

    internal void CountRead() => Interlocked.Increment(ref _reads);

    internal void CountWrite() => Interlocked.Increment(ref _writes);

    internal void CountFlush() => Interlocked.Increment(ref _flushes);

    internal void CountDiscard() => Interlocked.Increment(ref _discards);

    internal void CountIndirect() => Interlocked.Increment(ref _indirect);

    internal void CountBytesRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    internal void CountBytesWritten(long bytes) => Interlocked.Add(ref _bytesWritten, bytes);

    internal void CountIoError() => Interlocked.Increment(ref _ioErrors);

    internal void CountIoNotSupported() => Interlocked.Increment(ref _ioNotSupported);

    internal void CountRejection(BlockRejection reason) => Interlocked.Increment(ref _rejections[(int)reason]);
}
