namespace ParaIo.Nbd.Tests;

/// <summary>
/// A memory device whose reads wait at a gate until the test opens it, counting how many wait at
/// once: the way to see that requests really run concurrently, and no more of them than allowed.
/// </summary>
internal sealed class GatedBlockDevice : IBlockDevice
{
    private readonly MemoryBlockDevice _inner = new(TestExport.DefaultSize);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrivals = new(0);
    private int _waiting;
    private int _maxWaiting;

    public long Size => _inner.Size;

    public int BlockSize => _inner.BlockSize;

    public bool IsReadOnly => false;

    public bool SupportsFlush => true;

    public bool SupportsTrim => true;

    public int MaxWaiting => Volatile.Read(ref _maxWaiting);

    public MemoryBlockDevice Inner => _inner;

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var waiting = Interlocked.Increment(ref _waiting);
        int max;
        while (waiting > (max = Volatile.Read(ref _maxWaiting)) && Interlocked.CompareExchange(ref _maxWaiting, waiting, max) != max)
        {
        }

        _arrivals.Release();
        await _gate.Task.WaitAsync(cancellationToken);
        Interlocked.Decrement(ref _waiting);
        await _inner.ReadAsync(offset, destination, cancellationToken);
    }

    /// <summary>Waits until <paramref name="count"/> more reads have reached the gate; false on timeout.</summary>
    public async Task<bool> WaitForArrivalsAsync(int count, TimeSpan timeout)
    {
        for (var i = 0; i < count; i++)
        {
            if (!await _arrivals.WaitAsync(timeout))
            {
                return false;
            }
        }

        return true;
    }

    public void Open() => _gate.TrySetResult();

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken) =>
        _inner.WriteAsync(offset, source, forceUnitAccess, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => _inner.TrimAsync(offset, length, cancellationToken);
}
