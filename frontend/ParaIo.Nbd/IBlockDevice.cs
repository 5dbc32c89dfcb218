namespace ParaIo.Nbd;

/// <summary>
/// A disk as the NBD export sees it: a fixed number of bytes addressed in whole blocks. This is
/// the seam between the export and whatever holds the data (BlkFront's paravirtual disk, or
/// <see cref="MemoryBlockDevice"/> in tests and demos).
/// </summary>
/// <remarks>
/// Callers pass offsets and lengths that are multiples of <see cref="BlockSize"/> and lie within
/// <see cref="Size"/>; an implementation still checks them and reports a violation as
/// <see cref="BlockDeviceError.InvalidArgument"/>. Calls may overlap: the export issues several at
/// once and in any order, and overlapping requests in flight together have no defined order.
/// Failures surface as a faulted task carrying a <see cref="BlockDeviceException"/>.
/// </remarks>
public interface IBlockDevice
{
    /// <summary>The capacity in bytes; a multiple of <see cref="BlockSize"/>.</summary>
    long Size { get; }

    /// <summary>The smallest addressable unit and alignment in bytes: 512 or 4096.</summary>
    int BlockSize { get; }

    /// <summary>True when writes and trims are refused with <see cref="BlockDeviceError.NotPermitted"/>.</summary>
    bool IsReadOnly { get; }

    /// <summary>
    /// True when the device has a volatile write cache that <see cref="FlushAsync"/> empties; false
    /// when a completed write is already durable (so flush and FUA have nothing to do).
    /// </summary>
    bool SupportsFlush { get; }

    /// <summary>True when <see cref="TrimAsync"/> may discard data.</summary>
    bool SupportsTrim { get; }

    /// <summary>Reads <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="source"/> at <paramref name="offset"/>; with
    /// <paramref name="forceUnitAccess"/> the data is durable when the task completes.
    /// </summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every write that completed before this call began durable, whoever issued it: the
    /// export advertises that flushes are shared by all connections on the strength of this.
    /// </summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells the device the range is no longer needed. It may discard the data; what the range
    /// reads back afterwards is unspecified until it is written again.
    /// </summary>
    ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken);
}
