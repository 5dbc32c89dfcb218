using System.Runtime.InteropServices;

namespace ParaIo.EndToEnd.Tests;

internal static partial class Native
{
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
