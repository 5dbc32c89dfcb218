using System.Runtime.InteropServices;

namespace ParaIo.EndToEnd.Tests;

internal static partial class Native
{
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
