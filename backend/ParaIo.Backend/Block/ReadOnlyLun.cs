namespace ParaIo.Backend.Block;

/// <summary>
/// A read-only view of a LUN, for a disk attached with <c>mode=r</c>: the device advertises
/// read-only, and BlkBack refuses writes and discards before they reach the storage. The view
/// forwards its calls; a write that still arrives here is refused again.
/// </summary>
public sealed class ReadOnlyLun(ILun inner) : ILun
{
    private readonly ILun _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public long Size => _inner.Size;

    /// <inheritdoc />
    public int SectorSize => _inner.SectorSize;

    /// <inheritdoc />
    public int PhysicalSectorSize => _inner.PhysicalSectorSize;

    /// <inheritdoc />
    public bool IsReadOnly => true;

    /// <inheritdoc />
    public bool CanDiscard => false;

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(offset, buffer, cancellationToken);

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default) => _inner.ReadAsync(offset, buffers, cancellationToken);

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw new UnauthorizedAccessException("The disk is attached read-only.");

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) => throw new NotSupportedException("The disk is attached read-only.");
}
