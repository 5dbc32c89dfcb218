namespace ParaIo.Nbd;

/// <summary>
/// A block device held in process memory, for tests and demos. Storage is allocated in 1 MiB
/// chunks on first write, so a large device costs only what has been written; never-written and
/// trimmed ranges read as zeroes.
/// </summary>
/// <remarks>
/// Flushes and trims are counted so tests can see that a request reached the device. Concurrent
/// requests to disjoint ranges are independent; overlapping ones race as they would on a disk.
/// </remarks>
public sealed class MemoryBlockDevice : IBlockDevice
{
    private const int ChunkShift = 20;
    private const int ChunkSize = 1 << ChunkShift;

    private readonly byte[]?[] _chunks;
    private long _flushCount;
    private long _trimCount;
    private long _trimmedBytes;
    private long _fuaWriteCount;

    /// <summary>Creates a zero-filled device.</summary>
    /// <param name="size">Capacity in bytes; a positive multiple of <paramref name="blockSize"/>.</param>
    /// <param name="blockSize">512 or 4096.</param>
    /// <param name="isReadOnly">Refuse writes and trims with <see cref="BlockDeviceError.NotPermitted"/>.</param>
    public MemoryBlockDevice(long size, int blockSize = 512, bool isReadOnly = false)
    {
        if (blockSize is not (512 or 4096))
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "The block size must be 512 or 4096.");
        }

        if (size <= 0 || size % blockSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"The size must be a positive multiple of the block size ({blockSize}).");
        }

        var chunkCount = (size + ChunkSize - 1) >> ChunkShift;
        if (chunkCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The device is too large to hold in memory.");
        }

        _chunks = new byte[]?[chunkCount];
        Size = size;
        BlockSize = blockSize;
        IsReadOnly = isReadOnly;
    }

    /// <inheritdoc />
    public long Size { get; }

    /// <inheritdoc />
    public int BlockSize { get; }

    /// <inheritdoc />
    public bool IsReadOnly { get; }

    /// <inheritdoc />
    /// <remarks>Memory has no cache to empty; flush is supported so that it can be counted.</remarks>
    public bool SupportsFlush => true;

    /// <inheritdoc />
    public bool SupportsTrim => !IsReadOnly;

    /// <summary>How many flushes have reached the device.</summary>
    public long FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>How many trims have reached the device.</summary>
    public long TrimCount => Volatile.Read(ref _trimCount);

    /// <summary>The total length of all trims that reached the device.</summary>
    public long TrimmedBytes => Volatile.Read(ref _trimmedBytes);

    /// <summary>How many writes asked for force-unit-access.</summary>
    public long ForceUnitAccessWriteCount => Volatile.Read(ref _fuaWriteCount);

    /// <summary>How many bytes of chunk storage have been allocated.</summary>
    public long AllocatedBytes
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _chunks.Length; i++)
            {
                if (Volatile.Read(ref _chunks[i]) is not null)
                {
                    total += ChunkSize;
                }
            }

            return total;
        }
    }

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!IsValidRange(offset, destination.Length))
        {
            return InvalidRange(offset, destination.Length);
        }

        var span = destination.Span;
        while (!span.IsEmpty)
        {
            var index = (int)(offset >> ChunkShift);
            var within = (int)(offset & (ChunkSize - 1));
            var count = Math.Min(span.Length, ChunkSize - within);
            var chunk = Volatile.Read(ref _chunks[index]);
            if (chunk is null)
            {
                span[..count].Clear();
            }
            else
            {
                chunk.AsSpan(within, count).CopyTo(span);
            }

            span = span[count..];
            offset += count;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (IsReadOnly)
        {
            return ReadOnly();
        }

        if (!IsValidRange(offset, source.Length))
        {
            return InvalidRange(offset, source.Length);
        }

        if (forceUnitAccess)
        {
            Interlocked.Increment(ref _fuaWriteCount);
        }

        var span = source.Span;
        while (!span.IsEmpty)
        {
            var index = (int)(offset >> ChunkShift);
            var within = (int)(offset & (ChunkSize - 1));
            var count = Math.Min(span.Length, ChunkSize - within);
            span[..count].CopyTo(ChunkForWrite(index).AsSpan(within, count));
            span = span[count..];
            offset += count;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Interlocked.Increment(ref _flushCount);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Whole chunks inside the range are released; the edges are zeroed.</remarks>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (IsReadOnly)
        {
            return ReadOnly();
        }

        if (!IsValidRange(offset, length))
        {
            return InvalidRange(offset, length);
        }

        Interlocked.Increment(ref _trimCount);
        Interlocked.Add(ref _trimmedBytes, length);
        var end = offset + length;
        while (offset < end)
        {
            var index = (int)(offset >> ChunkShift);
            var within = (int)(offset & (ChunkSize - 1));
            var count = (int)Math.Min(end - offset, ChunkSize - within);
            if (count == ChunkSize)
            {
                Volatile.Write(ref _chunks[index], null);
            }
            else
            {
                Volatile.Read(ref _chunks[index])?.AsSpan(within, count).Clear();
            }

            offset += count;
        }

        return ValueTask.CompletedTask;
    }

    private bool IsValidRange(long offset, long length)
    {
        var misaligned = (offset | length) & (BlockSize - 1);
        return misaligned == 0 && offset >= 0 && length >= 0 && length <= Size - offset;
    }

    private byte[] ChunkForWrite(int index)
    {
        var chunk = Volatile.Read(ref _chunks[index]);
        if (chunk is not null)
        {
            return chunk;
        }

        // Two first writers to one chunk may both allocate; the loser adopts the winner's array
        // so neither write is lost.
        var fresh = new byte[ChunkSize];
        return Interlocked.CompareExchange(ref _chunks[index], fresh, null) ?? fresh;
    }

    private ValueTask InvalidRange(long offset, long length) =>
        ValueTask.FromException(new BlockDeviceException(
            BlockDeviceError.InvalidArgument,
            $"The range at {offset} of {length} bytes is misaligned to {BlockSize} or outside the device of {Size} bytes."));

    private static ValueTask ReadOnly() =>
        ValueTask.FromException(new BlockDeviceException(BlockDeviceError.NotPermitted, "The device is read-only."));
}
