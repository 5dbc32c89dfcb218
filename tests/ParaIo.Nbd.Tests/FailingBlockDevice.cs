namespace ParaIo.Nbd.Tests;

/// <summary>A device whose writes and flushes fail with a chosen exception; reads succeed with zeroes.</summary>
internal sealed class FailingBlockDevice(Exception failure) : IBlockDevice
{
    public long Size => TestExport.DefaultSize;

    public int BlockSize => 512;

    public bool IsReadOnly => false;

    public bool SupportsFlush => true;

    public bool SupportsTrim => true;

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        destination.Span.Clear();
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken) =>
        ValueTask.FromException(failure);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => throw failure;

    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => ValueTask.FromException(failure);
}
