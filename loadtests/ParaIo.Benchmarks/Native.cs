using System.Runtime.InteropServices;

namespace ParaIo.Benchmarks;

/// <summary>dup(2), to attach the backend's second mapping of the guest's memfd, as SmokeTests does.</summary>
internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);
}
