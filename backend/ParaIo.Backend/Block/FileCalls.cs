using System.Runtime.InteropServices;

namespace ParaIo.Backend.Block;

/// <summary>The few Linux file calls .NET does not expose: O_DIRECT opens, hole punching, allocated blocks, the file system type.</summary>
internal static partial class FileCalls
{
    public const int EOPNOTSUPP = 95;
    public const int EINVAL = 22;

    private const int O_RDONLY = 0;
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;
    private const int FALLOC_FL_KEEP_SIZE = 0x01;
    private const int FALLOC_FL_PUNCH_HOLE = 0x02;

    /// <summary>O_DIRECT differs between architectures; 0 where ParaIo does not know it.</summary>
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => 0,
    };

    /// <summary>
    /// Opens <paramref name="path"/> with O_DIRECT (.NET's <c>FileOptions</c> cannot ask for it on
    /// Linux). Returns null, with the errno, when the file system refuses it.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpenDirect(string path, bool readOnly, out int errno)
    {
        if (DirectFlag == 0)
        {
            errno = EINVAL;
            return null;
        }

        // Two arguments only: without O_CREAT the variadic mode argument is never read.
        var fd = Open(path, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC | DirectFlag);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Deallocates a range, keeping the file's size (FALLOC_FL_PUNCH_HOLE). Returns 0 or the errno.</summary>
    public static int PunchHole(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Fallocate((int)handle.DangerousGetHandle(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The file's st_blocks: 512-byte units actually allocated (a sparse image shows what was
    /// written). st_blocks sits at offset 64 of struct stat on both x86_64 and aarch64 Linux.
    /// </summary>
    /// <exception cref="IOException">stat failed.</exception>
    public static unsafe long AllocatedBlocks(string path)
    {
        const int BlocksOffset = 64;
        var buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0)
        {
            throw new IOException($"stat({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return *(long*)(buffer + BlocksOffset);
    }

    /// <summary>True when <paramref name="path"/> lives in memory (tmpfs), where no transfer ever waits for a disk.</summary>
    public static unsafe bool IsInMemoryFileSystem(string path)
    {
        const long TmpfsMagic = 0x01021994;
        var buffer = stackalloc byte[256]; // struct statfs; f_type is its first field, a long
        return StatFs(path, buffer) == 0 && *(long*)buffer == TmpfsMagic;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatFs(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);
}
