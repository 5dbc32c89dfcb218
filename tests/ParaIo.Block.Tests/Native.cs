using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ParaIo.Block.Tests;

/// <summary>The two libc calls the tests need: dup (the backend's own descriptor of the guest's memfd) and a lock-free open of an image.</summary>
internal static partial class Native
{
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    /// <summary>A second descriptor of the pool's memfd, as the backend would receive it over the socket.</summary>
    public static SafeFileHandle Dup(SafeFileHandle fd)
    {
        var copy = DupCore((int)fd.DangerousGetHandle());
        if (copy < 0)
        {
            throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new SafeFileHandle(copy, ownsHandle: true);
    }

    /// <summary>
    /// Opens an image for reading behind FileLun's back: .NET's own open would take an advisory
    /// lock and collide with the LUN's exclusive one.
    /// </summary>
    public static SafeFileHandle OpenForInspection(string path)
    {
        var fd = Open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Bytes of <paramref name="path"/> at <paramref name="offset"/>, read with pread.</summary>
    public static byte[] ReadImage(string path, long offset, int count)
    {
        using var handle = OpenForInspection(path);
        var bytes = new byte[count];
        var done = 0;
        while (done < count)
        {
            var got = RandomAccess.Read(handle, bytes.AsSpan(done), offset + done);
            if (got == 0)
            {
                break;
            }

            done += got;
        }

        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int DupCore(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
