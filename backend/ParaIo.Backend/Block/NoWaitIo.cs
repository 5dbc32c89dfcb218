using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ParaIo.Backend.Block;

/// <summary>
/// Reads and writes that never block: <c>preadv2</c>/<c>pwritev2</c> with RWF_NOWAIT. A read
/// served from the page cache (or a write the cache takes at once) completes on the ring thread;
/// one that would wait for the disk fails with EAGAIN and goes to the thread pool instead. That
/// saves a thread hop per request where the data is hot, and keeps slow disks from serialising
/// a device's requests on its ring thread.
/// </summary>
internal static unsafe partial class NoWaitIo
{
    /// <summary>At most this many buffers go in one call; larger scatter lists take the pool.</summary>
    public const int MaxBuffers = 64;

    private const int RWF_NOWAIT = 0x8;
    private const int EAGAIN = 11;

    /// <summary>Outcome of a try.</summary>
    public enum Result
    {
        /// <summary>Every byte was transferred.</summary>
        Done,

        /// <summary>It would have blocked, or came up short: do it on the pool.</summary>
        WouldBlock,

        /// <summary>The kernel or file system does not do RWF_NOWAIT here: stop trying.</summary>
        Unsupported,
    }

    public static Result TryRead(SafeFileHandle handle, long offset, Memory<byte> buffer)
    {
        using var pin = buffer.Pin();
        var vector = new Iovec { Base = pin.Pointer, Length = (nuint)buffer.Length };
        return Call(handle, &vector, 1, offset, buffer.Length, write: false);
    }

    public static Result TryRead(SafeFileHandle handle, long offset, IReadOnlyList<Memory<byte>> buffers, long length)
    {
        if (buffers.Count > MaxBuffers)
        {
            return Result.WouldBlock;
        }

        var vectors = stackalloc Iovec[buffers.Count];
        var pins = ArrayPool<MemoryHandle>.Shared.Rent(buffers.Count);
        try
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                pins[i] = buffers[i].Pin();
                vectors[i] = new Iovec { Base = pins[i].Pointer, Length = (nuint)buffers[i].Length };
            }

            return Call(handle, vectors, buffers.Count, offset, length, write: false);
        }
        finally
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                pins[i].Dispose();
            }

            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
        }
    }

    public static Result TryWrite(SafeFileHandle handle, long offset, ReadOnlyMemory<byte> buffer)
    {
        using var pin = buffer.Pin();
        var vector = new Iovec { Base = pin.Pointer, Length = (nuint)buffer.Length };
        return Call(handle, &vector, 1, offset, buffer.Length, write: true);
    }

    public static Result TryWrite(SafeFileHandle handle, long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        if (buffers.Count > MaxBuffers)
        {
            return Result.WouldBlock;
        }

        var vectors = stackalloc Iovec[buffers.Count];
        var pins = ArrayPool<MemoryHandle>.Shared.Rent(buffers.Count);
        long length = 0;
        try
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                pins[i] = buffers[i].Pin();
                vectors[i] = new Iovec { Base = pins[i].Pointer, Length = (nuint)buffers[i].Length };
                length += buffers[i].Length;
            }

            return Call(handle, vectors, buffers.Count, offset, length, write: true);
        }
        finally
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                pins[i].Dispose();
            }

            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
        }
    }

    private static Result Call(SafeFileHandle handle, Iovec* vectors, int count, long offset, long length, bool write)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)handle.DangerousGetHandle();
            var done = write ? Pwritev2(fd, vectors, count, offset, RWF_NOWAIT) : Preadv2(fd, vectors, count, offset, RWF_NOWAIT);
            if (done == length)
            {
                return Result.Done;
            }

            if (done >= 0)
            {
                // Short (part cached, or the end of the file): the pool does it again, whole.
                return Result.WouldBlock;
            }

            var errno = Marshal.GetLastPInvokeError();
            // Other errors are the pool path's to report, with its own message.
            return errno is EAGAIN or not (FileCalls.EOPNOTSUPP or FileCalls.EINVAL or 38 /* ENOSYS */) ? Result.WouldBlock : Result.Unsupported;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Iovec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport("libc", EntryPoint = "preadv2", SetLastError = true)]
    private static partial nint Preadv2(int fd, Iovec* vectors, int count, long offset, int flags);

    [LibraryImport("libc", EntryPoint = "pwritev2", SetLastError = true)]
    private static partial nint Pwritev2(int fd, Iovec* vectors, int count, long offset, int flags);
}
