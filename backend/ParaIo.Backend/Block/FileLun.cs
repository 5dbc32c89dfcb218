using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ParaIo.Backend.Block;

/// <summary>
/// A LUN kept in a raw image file: byte <i>n</i> of the disk is byte <i>n</i> of the file. Reads
/// and writes go straight between the file and the caller's buffers with <see cref="RandomAccess"/>
/// (scatter/gather for multi-segment requests), optionally through an O_DIRECT descriptor; a
/// flush is an fsync; a discard punches a hole.
/// </summary>
/// <remarks>
/// <para>
/// Durability: a write completes when <c>pwrite</c> returns, i.e. when the data is in the host's
/// page cache (or on the device, for an O_DIRECT transfer). <see cref="FlushAsync"/> calls
/// <c>fsync</c> on the file, which covers every write that completed before it was called, through
/// either descriptor, since both name the same inode.
/// </para>
/// <para>
/// The file is locked against a second <see cref="FileLun"/> (an advisory lock, .NET's
/// <see cref="FileShare.None"/>), so two devices cannot write one image.
/// </para>
/// </remarks>
public sealed class FileLun : ILun, IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly SafeFileHandle? _direct;
    private readonly FileLunOptions _options;
    private long _size;
    private bool _noWaitReads = true;
    private bool _noWaitWrites = true;

    private FileLun(string path, SafeFileHandle handle, SafeFileHandle? direct, long size, FileLunOptions options)
    {
        Path = path;
        _handle = handle;
        _direct = direct;
        _size = size;
        // On tmpfs nothing ever waits for a disk: every transfer runs inline, as SynchronousIo asks.
        _options = !options.SynchronousIo && direct is null && FileCalls.IsInMemoryFileSystem(path) ? options.WithSynchronousIo() : options;
    }

    /// <summary>The image file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public long Size => Volatile.Read(ref _size);

    /// <inheritdoc />
    public int SectorSize => 512;

    /// <inheritdoc />
    public int PhysicalSectorSize => _options.PhysicalSectorSize;

    /// <inheritdoc />
    public bool IsReadOnly => _options.ReadOnly;

    /// <inheritdoc />
    public bool CanDiscard => !_options.ReadOnly;

    /// <summary>True when aligned transfers bypass the page cache (O_DIRECT was asked for and the file system took it).</summary>
    public bool IsDirect => _direct is not null;

    /// <summary>
    /// Creates a new image of <paramref name="size"/> bytes (a multiple of 512), sparse unless
    /// <see cref="FileLunOptions.Preallocate"/> is set. Refuses to overwrite an existing file.
    /// </summary>
    public static FileLun Create(string path, long size, FileLunOptions? options = null)
    {
        options ??= new FileLunOptions();
        CheckOptions(options);
        if (size <= 0 || size % 512 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"An image is a positive whole number of 512-byte sectors, not {size} bytes.");
        }

        if (options.ReadOnly)
        {
            throw new ArgumentException("A new image cannot be read-only.", nameof(options));
        }

        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None, options.Preallocate ? size : 0);
        try
        {
            // Sparse: only the length is set; blocks are allocated as the guest writes them.
            RandomAccess.SetLength(handle, size);
            return new FileLun(path, handle, OpenDirect(path, options), size, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing image. Its size is the file's length rounded down to whole 512-byte
    /// sectors.
    /// </summary>
    public static FileLun Open(string path, FileLunOptions? options = null)
    {
        options ??= new FileLunOptions();
        CheckOptions(options);
        var handle = options.ReadOnly
            ? File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read)
            : File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        try
        {
            var size = RandomAccess.GetLength(handle) & ~511L;
            return new FileLun(path, handle, OpenDirect(path, options), size, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Changes the image's size (a multiple of 512). Growing is safe while a guest uses the disk;
    /// shrinking makes requests past the new end fail, except those already checked, which may
    /// write past it again.
    /// </summary>
    public void Resize(long size)
    {
        if (size <= 0 || size % 512 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"An image is a positive whole number of 512-byte sectors, not {size} bytes.");
        }

        ThrowIfReadOnly();
        RandomAccess.SetLength(_handle, size);
        Volatile.Write(ref _size, size);
    }

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckRange(offset, buffer.Length);
        var handle = Choose(offset, buffer);
        if (!_options.SynchronousIo)
        {
            return TryReadInline(handle, offset, buffer) ? default : ReadOnPoolAsync(handle, offset, buffer, cancellationToken);
        }

        try
        {
            ReadFully(handle, offset, buffer.Span);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        if (buffers.Count == 1)
        {
            return ReadAsync(offset, buffers[0], cancellationToken);
        }

        var length = CheckRange(offset, buffers);
        var handle = Choose(offset, buffers);
        if (!_options.SynchronousIo)
        {
            return TryReadInline(handle, offset, buffers, length) ? default : ReadScatterOnPoolAsync(handle, offset, buffers, length, cancellationToken);
        }

        try
        {
            var done = RandomAccess.Read(handle, buffers, offset);
            if (done < length)
            {
                FinishShortScatter(handle, offset, buffers, done);
            }

            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        CheckRange(offset, buffer.Length);
        var handle = Choose(offset, MemoryMarshal.AsMemory(buffer));
        if (!_options.SynchronousIo)
        {
            try
            {
                return TryWriteInline(handle, offset, buffer) ? default : RandomAccess.WriteAsync(handle, buffer, offset, cancellationToken);
            }
            catch (Exception e)
            {
                return ValueTask.FromException(e);
            }
        }

        try
        {
            RandomAccess.Write(handle, buffer.Span, offset);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ThrowIfReadOnly();
        if (buffers.Count == 1)
        {
            return WriteAsync(offset, buffers[0], cancellationToken);
        }

        CheckRange(offset, buffers);
        var handle = Choose(offset, buffers);
        if (!_options.SynchronousIo)
        {
            try
            {
                return TryWriteInline(handle, offset, buffers) ? default : RandomAccess.WriteAsync(handle, buffers, offset, cancellationToken);
            }
            catch (Exception e)
            {
                return ValueTask.FromException(e);
            }
        }

        try
        {
            // Gather writes loop until every byte is written.
            RandomAccess.Write(handle, buffers, offset);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_options.SynchronousIo)
        {
            return new ValueTask(Task.Run(() => RandomAccess.FlushToDisk(_handle), cancellationToken));
        }

        try
        {
            RandomAccess.FlushToDisk(_handle);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc />
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        CheckRange(offset, length);
        if (length == 0)
        {
            return default;
        }

        if (!_options.SynchronousIo)
        {
            return new ValueTask(Task.Run(() => PunchHole(offset, length), cancellationToken));
        }

        try
        {
            PunchHole(offset, length);
            return default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Closes the image.</summary>
    public void Dispose()
    {
        _direct?.Dispose();
        _handle.Dispose();
    }

    private static void CheckOptions(FileLunOptions options)
    {
        if (options.PhysicalSectorSize < 512 || options.PhysicalSectorSize % 512 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The physical sector size must be a multiple of 512, not {options.PhysicalSectorSize}.");
        }

        if (options.DirectAlignment < 512 || !int.IsPow2(options.DirectAlignment))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The O_DIRECT alignment must be a power of two of at least 512, not {options.DirectAlignment}.");
        }
    }

    private static SafeFileHandle? OpenDirect(string path, FileLunOptions options) =>
        options.Direct ? FileCalls.TryOpenDirect(path, options.ReadOnly, out _) : null;

    /// <summary>
    /// The page cache's fast path (<see cref="NoWaitIo"/>): only on the buffered descriptor, since
    /// an O_DIRECT transfer always waits for the disk.
    /// </summary>
    private bool TryReadInline(SafeFileHandle handle, long offset, Memory<byte> buffer) =>
        handle == _handle && Volatile.Read(ref _noWaitReads) && Settle(NoWaitIo.TryRead(handle, offset, buffer), ref _noWaitReads);

    private bool TryReadInline(SafeFileHandle handle, long offset, IReadOnlyList<Memory<byte>> buffers, long length) =>
        handle == _handle && Volatile.Read(ref _noWaitReads) && Settle(NoWaitIo.TryRead(handle, offset, buffers, length), ref _noWaitReads);

    /// <summary>
    /// A buffered write goes to the page cache: with RWF_NOWAIT where the file system has it, else
    /// (ext4 and tmpfs on current kernels) inline anyway, since the cache takes it at once unless
    /// writeback throttles the writer, and then a pool thread would wait just the same.
    /// </summary>
    private bool TryWriteInline(SafeFileHandle handle, long offset, ReadOnlyMemory<byte> buffer)
    {
        if (handle != _handle)
        {
            return false;
        }

        if (Volatile.Read(ref _noWaitWrites) && Settle(NoWaitIo.TryWrite(handle, offset, buffer), ref _noWaitWrites))
        {
            return true;
        }

        if (Volatile.Read(ref _noWaitWrites))
        {
            return false; // would block: the pool waits for it
        }

        RandomAccess.Write(handle, buffer.Span, offset);
        return true;
    }

    private bool TryWriteInline(SafeFileHandle handle, long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        if (handle != _handle)
        {
            return false;
        }

        if (Volatile.Read(ref _noWaitWrites) && Settle(NoWaitIo.TryWrite(handle, offset, buffers), ref _noWaitWrites))
        {
            return true;
        }

        if (Volatile.Read(ref _noWaitWrites))
        {
            return false;
        }

        RandomAccess.Write(handle, buffers, offset);
        return true;
    }

    private static bool Settle(NoWaitIo.Result result, ref bool enabled)
    {
        if (result == NoWaitIo.Result.Unsupported)
        {
            Volatile.Write(ref enabled, false);
        }

        return result == NoWaitIo.Result.Done;
    }

    private static async ValueTask ReadOnPoolAsync(SafeFileHandle handle, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var got = await RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                buffer.Span.Clear(); // past the end of the file: a sparse tail reads as zeros
                return;
            }

            buffer = buffer[got..];
            offset += got;
        }
    }

    private static async ValueTask ReadScatterOnPoolAsync(SafeFileHandle handle, long offset, IReadOnlyList<Memory<byte>> buffers, long length, CancellationToken cancellationToken)
    {
        var done = await RandomAccess.ReadAsync(handle, buffers, offset, cancellationToken).ConfigureAwait(false);
        if (done < length)
        {
            FinishShortScatter(handle, offset, buffers, done);
        }
    }

    /// <summary>A scatter read stopped early (end of file, or a signal): finish it one buffer at a time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FinishShortScatter(SafeFileHandle handle, long offset, IReadOnlyList<Memory<byte>> buffers, long done)
    {
        var position = offset;
        for (var i = 0; i < buffers.Count; i++)
        {
            var buffer = buffers[i];
            var skip = (int)Math.Clamp(offset + done - position, 0, buffer.Length);
            ReadFully(handle, position + skip, buffer.Span[skip..]);
            position += buffer.Length;
        }
    }

    private static void ReadFully(SafeFileHandle handle, long offset, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var got = RandomAccess.Read(handle, buffer, offset);
            if (got == 0)
            {
                buffer.Clear();
                return;
            }

            buffer = buffer[got..];
            offset += got;
        }
    }

    private void PunchHole(long offset, long length)
    {
        var errno = FileCalls.PunchHole(_handle, offset, length);
        if (errno == FileCalls.EOPNOTSUPP)
        {
            throw new NotSupportedException($"The file system of {Path} cannot punch holes.");
        }

        if (errno != 0)
        {
            throw new IOException($"Punching a hole of {length} bytes at {offset} in {Path} failed: errno {errno}.");
        }
    }

    private void ThrowIfReadOnly()
    {
        if (_options.ReadOnly)
        {
            throw new InvalidOperationException($"The image {Path} is open read-only.");
        }
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + length} lie outside the image's {Size} bytes.");
        }
    }

    private long CheckRange(long offset, IReadOnlyList<Memory<byte>> buffers)
    {
        long length = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            length += buffers[i].Length;
        }

        CheckRange(offset, length);
        return length;
    }

    private long CheckRange(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        long length = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            length += buffers[i].Length;
        }

        CheckRange(offset, length);
        return length;
    }

    private SafeFileHandle Choose(long offset, Memory<byte> buffer) =>
        _direct is not null && IsAligned(offset, buffer) ? _direct : _handle;

    private SafeFileHandle Choose(long offset, IReadOnlyList<Memory<byte>> buffers)
    {
        if (_direct is null)
        {
            return _handle;
        }

        for (var i = 0; i < buffers.Count; i++)
        {
            if (!IsAligned(offset, buffers[i]))
            {
                return _handle;
            }
        }

        return _direct;
    }

    private SafeFileHandle Choose(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        if (_direct is null)
        {
            return _handle;
        }

        for (var i = 0; i < buffers.Count; i++)
        {
            if (!IsAligned(offset, MemoryMarshal.AsMemory(buffers[i])))
            {
                return _handle;
            }
        }

        return _direct;
    }

    private unsafe bool IsAligned(long offset, Memory<byte> buffer)
    {
        var mask = (nuint)(_options.DirectAlignment - 1);
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer.Span));
        return (((nuint)offset | (nuint)buffer.Length | address) & mask) == 0;
    }
}
