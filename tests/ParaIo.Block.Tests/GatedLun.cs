using System.Collections.Concurrent;
using ParaIo.Backend.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// A LUN around another that can hold reads or chosen writes until a test releases them, and logs
/// when each transfer and flush starts and ends: the instrument for ordering and concurrency tests.
/// Held operations complete asynchronously, so BlkBack's off-ring completion path is the one used.
/// Writes fail with <see cref="WriteFailure"/> while it is set (a full disk, a failed SAN).
/// </summary>
internal sealed class GatedLun(ILun inner) : ILun
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _heldWrites = new();
    private TaskCompletionSource? _heldReads;
    private int _readsInFlight;
    private int _maxReadsInFlight;

    public ConcurrentQueue<string> Log { get; } = new();

    public Exception? WriteFailure { get; set; }

    public int ReadsInFlight => Volatile.Read(ref _readsInFlight);

    public int MaxReadsInFlight => Volatile.Read(ref _maxReadsInFlight);

    public long Size => inner.Size;

    public int SectorSize => inner.SectorSize;

    public int PhysicalSectorSize => inner.PhysicalSectorSize;

    public bool IsReadOnly => inner.IsReadOnly;

    public bool CanDiscard => inner.CanDiscard;

    public bool Logged(string entry) => Log.Contains(entry);

    public int IndexOf(string entry) => Log.ToList().IndexOf(entry);

    public void HoldReads() => _heldReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseReads() => _heldReads?.TrySetResult();

    public void HoldWrite(long offset) => _heldWrites[offset] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseWrite(long offset) => _heldWrites[offset].TrySetResult();

    /// <summary>Lets everything through, so that a failing test can still tear its devices down.</summary>
    public void ReleaseAll()
    {
        ReleaseReads();
        foreach (var gate in _heldWrites.Values)
        {
            gate.TrySetResult();
        }
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadAsync(offset, new[] { buffer }, cancellationToken);

    public async ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        var now = Interlocked.Increment(ref _readsInFlight);
        InterlockedMax(ref _maxReadsInFlight, now);
        Log.Enqueue($"read-start {offset}");
        try
        {
            await Task.Yield();
            if (_heldReads is { } gate)
            {
                await gate.Task.ConfigureAwait(false);
            }

            await inner.ReadAsync(offset, buffers, cancellationToken).ConfigureAwait(false);
            Log.Enqueue($"read-done {offset}");
        }
        finally
        {
            Interlocked.Decrement(ref _readsInFlight);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(offset, new[] { buffer }, cancellationToken);

    public async ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        Log.Enqueue($"write-start {offset}");
        await Task.Yield();
        if (_heldWrites.TryGetValue(offset, out var gate))
        {
            await gate.Task.ConfigureAwait(false);
        }

        if (WriteFailure is { } failure)
        {
            Log.Enqueue($"write-failed {offset}");
            throw failure;
        }

        await inner.WriteAsync(offset, buffers, cancellationToken).ConfigureAwait(false);
        Log.Enqueue($"write-done {offset}");
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        Log.Enqueue("flush-start");
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        Log.Enqueue("flush-done");
    }

    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        inner.DiscardAsync(offset, length, cancellationToken);

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
