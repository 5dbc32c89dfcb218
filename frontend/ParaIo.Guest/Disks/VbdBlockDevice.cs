using System.Collections.Concurrent;
using ParaIo.Frontend.Block;
using ParaIo.Nbd;
using ParaIo.Protocol.Block;

namespace ParaIo.Guest.Disks;

/// <summary>
/// A paravirtual disk (<see cref="BlockFrontDevice"/>) as the NBD export sees it. The export reads
/// request payloads into its own buffers, so each transfer goes through one staging buffer in the
/// grant pool: the one copy on the guest side. Transfers larger than a staging buffer go in
/// pieces, one after the other.
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
    private readonly ConcurrentBag<BlockBuffer> _buffers = [];

    public VbdBlockDevice(BlockFrontDevice device, int maxStaging = 32)
    {
        _device = device;
        _staging = new SemaphoreSlim(maxStaging, maxStaging);
    }

    public long Size => _device.Sectors * BlkifProtocol.SectorSize;

    public int BlockSize => BlkifProtocol.SectorSize;

    public bool IsReadOnly => _device.IsReadOnly;

    public bool SupportsFlush => _device.Backend.FlushCache;

    public bool SupportsTrim => _device.Backend.Discard;

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var staging = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var done = 0; done < destination.Length;)
            {
                var piece = Math.Min(StagingBytes, destination.Length - done);
                await Guard(_device.ReadAsync((offset + done) >> BlkifProtocol.SectorShift, staging.Memory[..piece], cancellationToken)).ConfigureAwait(false);
                staging.Memory.Span[..piece].CopyTo(destination.Span[done..]);
                done += piece;
            }
        }
        finally
        {
            Return(staging);
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        var staging = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var done = 0; done < source.Length;)
            {
                var piece = Math.Min(StagingBytes, source.Length - done);
                source.Span.Slice(done, piece).CopyTo(staging.Memory.Span);
                await Guard(Write(offset + done, staging.Memory[..piece], cancellationToken)).ConfigureAwait(false);
                done += piece;
            }
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
        if (SupportsFlush)
        {
            await Guard(Flush(cancellationToken)).ConfigureAwait(false);
        }
    }

    public async ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) =>
        await Guard(Discard(offset, length, cancellationToken)).ConfigureAwait(false);

    public void Dispose()
    {
        while (_buffers.TryTake(out var buffer))
        {
            buffer.Dispose();
        }

        _staging.Dispose();
    }

    private ValueTask Write(long offset, Memory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            return _device.WriteAsync(offset >> BlkifProtocol.SectorShift, data, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return ValueTask.FromException(e);
        }
    }

    private ValueTask Flush(CancellationToken cancellationToken)
    {
        try
        {
            return _device.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            return ValueTask.FromException(e);
        }
    }

    private ValueTask Discard(long offset, long length, CancellationToken cancellationToken)
    {
        try
        {
            return _device.DiscardAsync(offset >> BlkifProtocol.SectorShift, length >> BlkifProtocol.SectorShift, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Turns the device's failures into the errno-like errors the export sends back.</summary>
    private static async ValueTask Guard(ValueTask operation)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (BlockRequestException e)
        {
            throw new BlockDeviceException(e.Status == BlkifStatus.NotSupported ? BlockDeviceError.InvalidArgument : BlockDeviceError.Io, e.Message, e);
        }
        catch (ArgumentException e)
        {
            throw new BlockDeviceException(BlockDeviceError.InvalidArgument, e.Message, e);
        }
        catch (NotSupportedException e)
        {
            throw new BlockDeviceException(BlockDeviceError.InvalidArgument, e.Message, e);
        }
        catch (ObjectDisposedException e)
        {
            throw new BlockDeviceException(BlockDeviceError.Io, "The disk was removed from the guest.", e);
        }
        catch (InvalidOperationException e)
        {
            throw new BlockDeviceException(BlockDeviceError.NotPermitted, e.Message, e);
        }
    }

    private async ValueTask<BlockBuffer> RentAsync(CancellationToken cancellationToken)
    {
        await _staging.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _buffers.TryTake(out var buffer) ? buffer : _device.AllocateBuffer(StagingBytes);
    }

    private void Return(BlockBuffer buffer)
    {
        _buffers.Add(buffer);
        _staging.Release();
    }
}
