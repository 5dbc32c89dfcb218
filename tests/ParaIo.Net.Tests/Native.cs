using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ParaIo.Net.Tests;

/// <summary>dup: the backend's own descriptor of a guest's memfd, as it would arrive over the socket.</summary>
internal static partial class Native
{
    public static SafeFileHandle Dup(SafeFileHandle fd)
    {
        var copy = DupCore((int)fd.DangerousGetHandle());
        if (copy < 0)
        {
            throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new SafeFileHandle(copy, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int DupCore(int fd);
}
