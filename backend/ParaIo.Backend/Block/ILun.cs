namespace ParaIo.Backend.Block;

/// <summary>
/// A logical unit: the storage behind one virtual block device. Offsets and lengths are bytes;
/// BlkBack only ever passes whole 512-byte sectors inside <see cref="Size"/>, already checked.
/// Every method may be called from several threads at once, for different ranges.
/// </summary>
/// <remarks>
/// The buffers are the guest's own pages, mapped through its grants: an implementation reads
/// into them and writes from them directly and must not keep them after the returned task
/// completes, because BlkBack unmaps them then.
/// </remarks>
public interface ILun
{
    /// <summary>Size in bytes, a multiple of <see cref="SectorSize"/>. It may grow or shrink while the LUN is in use.</summary>
    long Size { get; }

    /// <summary>Logical sector size in bytes: the unit of addressing, 512 or a larger power of two.</summary>
    int SectorSize { get; }

    /// <summary>Physical sector size in bytes, a multiple of <see cref="SectorSize"/>: the unit writes should come in.</summary>
    int PhysicalSectorSize { get; }

    /// <summary>True when writes and discards are refused.</summary>
    bool IsReadOnly { get; }

    /// <summary>True when <see cref="DiscardAsync"/> is served; a LUN may still throw <see cref="NotSupportedException"/> for one range.</summary>
    bool CanDiscard { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; what lies past the end of the storage reads as zeros.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="buffer"/> at <paramref name="offset"/>. Complete means the data is in the LUN's cache at least.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fills <paramref name="buffers"/> one after the other from <paramref name="offset"/> (a
    /// scatter read: the segments of one request are contiguous on the disk). The default reads
    /// them one at a time.
    /// </summary>
    async ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        for (var i = 0; i < buffers.Count; i++)
        {
            await ReadAsync(offset, buffers[i], cancellationToken).ConfigureAwait(false);
            offset += buffers[i].Length;
        }
    }

    /// <summary>Writes <paramref name="buffers"/> one after the other from <paramref name="offset"/> (a gather write).</summary>
    async ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        for (var i = 0; i < buffers.Count; i++)
        {
            await WriteAsync(offset, buffers[i], cancellationToken).ConfigureAwait(false);
            offset += buffers[i].Length;
        }
    }

    /// <summary>Makes every write that completed before this call durable (fsync).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets a range: later reads return zeros. Throws <see cref="NotSupportedException"/> when the storage cannot.</summary>
    ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default);
}
