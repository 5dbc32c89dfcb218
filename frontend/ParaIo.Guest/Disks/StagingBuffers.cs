using ParaIo.Frontend.Block;

namespace ParaIo.Guest.Disks;

/// <summary>
/// The staging buffers of all the guest's exported disks: grant-pool buffers of
/// <see cref="VbdBlockDevice.StagingBytes"/>, kept for reuse when a request is done with one. One
/// stack for every disk, so a buffer a busy disk no longer needs serves another: with a stack per
/// disk, disks that had been busy kept their buffers idle while another found the pool full.
/// </summary>
internal sealed class StagingBuffers : IDisposable
{
    // Rented on the exports' reader threads and returned on BlkFront's completion threads: a locked
    // stack costs the same either way (a ConcurrentBag steals across threads every time).
    private readonly Lock _lock = new();
    private readonly Stack<BlockBuffer> _idle = new();
    private bool _disposed;

    /// <summary>A buffer another request gave back, or null when none is idle.</summary>
    public BlockBuffer? TryPop()
    {
        lock (_lock)
        {
            return _idle.TryPop(out var buffer) ? buffer : null;
        }
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next request of any disk (frees it once the exports are gone).</summary>
    public void Push(BlockBuffer buffer)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _idle.Push(buffer);
                return;
            }
        }

        buffer.Dispose();
    }

    /// <summary>Frees the idle buffers; buffers still in use are freed when they come back.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_idle.TryPop(out var buffer))
            {
                buffer.Dispose();
            }
        }
    }
}
