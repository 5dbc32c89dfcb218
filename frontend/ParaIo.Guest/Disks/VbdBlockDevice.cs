using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParaIo.Frontend.Block;
using ParaIo.Nbd;
using ParaIo.Protocol.Block;

namespace ParaIo.Guest.Disks;

/// <summary>
/// A paravirtual disk (<see cref="BlockFrontDevice"/>) as the NBD export sees it. The export reads
/// request payloads into its own buffers, so each transfer goes through one staging buffer in the
/// grant pool: the one copy on the guest side. Transfers larger than a staging buffer go in
/// pieces, one after the other. Staging buffers come from, and go back to, the
/// <see cref="StagingBuffers"/> all the guest's disks share.
/// </summary>
/// <remarks>
/// The device outlives paraiod restarts (it resumes on the next backend's rings), so an NBD client
/// sees a restart as a pause: its requests wait in the device and complete afterwards.
/// </remarks>
internal sealed class VbdBlockDevice : IBlockDevice, IDisposable
{
    /// <summary>Bytes of one staging buffer: a 256 KiB transfer is one INDIRECT request.</summary>
    public const int StagingBytes = 256 * 1024;

    private readonly BlockFrontDevice _device;
    private readonly SemaphoreSlim _staging;
    private readonly StagingBuffers _buffers;

    /// <summary>How long a request waits, in all, for room in the grant pool for its staging buffer before it fails.</summary>
    public static readonly TimeSpan PoolFullLimit = TimeSpan.FromSeconds(30);

    /// <summary>A disk whose requests use at most <paramref name="maxStaging"/> staging buffers at once, from <paramref name="buffers"/>, which the guest's disks share.</summary>
    public VbdBlockDevice(BlockFrontDevice device, StagingBuffers buffers, int maxStaging = 32)
    {
        _device = device;
        _buffers = buffers;
        _staging = new SemaphoreSlim(maxStaging, maxStaging);
    }

    public long Size => _device.Sectors * BlkifProtocol.SectorSize;

    public int BlockSize => BlkifProtocol.SectorSize;

    public bool IsReadOnly => _device.IsReadOnly;

    public bool SupportsFlush => _device.Backend.FlushCache;

    public bool SupportsTrim => _device.Backend.Discard;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var staging = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var done = 0; done < destination.Length;)
            {
                var piece = Math.Min(StagingBytes, destination.Length - done);
                await _device.ReadAsync((offset + done) >> BlkifProtocol.SectorShift, staging.Memory[..piece], cancellationToken).ConfigureAwait(false);
                staging.Memory.Span[..piece].CopyTo(destination.Span[done..]);
                done += piece;
            }
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw error;
        }
        finally
        {
            Return(staging);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        var staging = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var done = 0; done < source.Length;)
            {
                var piece = Math.Min(StagingBytes, source.Length - done);
                source.Span.Slice(done, piece).CopyTo(staging.Memory.Span);
                await _device.WriteAsync((offset + done) >> BlkifProtocol.SectorShift, staging.Memory[..piece], cancellationToken).ConfigureAwait(false);
                done += piece;
            }
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw error;
        }
        finally
        {
            Return(staging);
        }

        if (forceUnitAccess && SupportsFlush)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!SupportsFlush)
        {
            return;
        }

        try
        {
            await _device.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw error;
        }
    }

    public async ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken)
    {
        try
        {
            await _device.DiscardAsync(offset >> BlkifProtocol.SectorShift, length >> BlkifProtocol.SectorShift, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw error;
        }
    }

    public void Dispose() => _staging.Dispose();

    /// <summary>
    /// The errno-like error the export sends back for a failure of the device (thrown at once or by
    /// the request), or null for one that is not the device's (the export answers those EIO).
    /// </summary>
    private static BlockDeviceException? Translate(Exception e) => e switch
    {
        BlockRequestException request => new BlockDeviceException(request.Status == BlkifStatus.NotSupported ? BlockDeviceError.InvalidArgument : BlockDeviceError.Io, request.Message, request),
        ArgumentException or NotSupportedException => new BlockDeviceException(BlockDeviceError.InvalidArgument, e.Message, e),
        ObjectDisposedException => new BlockDeviceException(BlockDeviceError.Io, "The disk was removed from the guest.", e),
        InvalidOperationException => new BlockDeviceException(BlockDeviceError.NotPermitted, e.Message, e),
        _ => null,
    };

    private ValueTask<BlockBuffer> RentAsync(CancellationToken cancellationToken)
    {
        var wait = _staging.WaitAsync(cancellationToken);
        return wait.IsCompletedSuccessfully && TryTake() is { } buffer ? ValueTask.FromResult(buffer) : TakeAfterAsync(wait, cancellationToken);
    }

    /// <summary>
    /// Waits for a staging slot, then for a buffer: when the grant pool has no room (the guest's
    /// other disks hold it), a millisecond at a time until one of theirs comes back, for at most
    /// <see cref="PoolFullLimit"/> (then EIO, the slot given back).
    /// </summary>
    private async ValueTask<BlockBuffer> TakeAfterAsync(Task wait, CancellationToken cancellationToken)
    {
        await wait.ConfigureAwait(false);
        var since = Stopwatch.GetTimestamp();
        while (true)
        {
            if (TryTake() is { } buffer)
            {
                return buffer;
            }

            if (Stopwatch.GetElapsedTime(since) > PoolFullLimit)
            {
                _staging.Release();
                throw new BlockDeviceException(BlockDeviceError.Io, $"The guest's grant pool has had no room for a {StagingBytes / 1024} KiB staging buffer for {PoolFullLimit.TotalSeconds:0} s.");
            }

            try
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _staging.Release();
                throw;
            }
        }
    }

    /// <summary>An idle staging buffer, a new one, or null when the grant pool has no room for one now.</summary>
    private BlockBuffer? TryTake()
    {
        if (_buffers.TryPop() is { } idle)
        {
            return idle;
        }

        try
        {
            return _device.AllocateBuffer(StagingBytes);
        }
        catch (InvalidOperationException)
        {
            return null; // no run of free pages: wait for another disk's buffer
        }
    }

    private void Return(BlockBuffer buffer)
    {
        _buffers.Push(buffer);
        _staging.Release();
    }
}
