using System.Runtime.InteropServices;

namespace ParaIo.Load.Linux;

/// <summary>
/// The few libc calls the load tool makes itself. The transport's own interop is internal to it,
/// and the eventfd baseline must not borrow anything from the code it is compared against.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "libc";

    public const int EFD_CLOEXEC = 0x80000;
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* address, nuint length);
    public const int EINTR = 4;

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    public const int SIGTERM = 15;

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int processId, int signal);

    /// <summary>A second descriptor of the same open file (library mode's backend gets its own descriptor of the guest's memfd).</summary>
    [LibraryImport(Lib, EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    [LibraryImport(Lib, EntryPoint = "getppid")]
    public static partial int GetParentProcessId();

    /// <summary>
    /// The CPU this thread runs on now (glibc reads it from rseq or the vDSO, no system call).
    /// Thread.GetCurrentProcessorId caches its answer, which would blur the placement figures.
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "sched_getcpu")]
    public static partial int CurrentCpu();

    public static System.ComponentModel.Win32Exception ErrnoException(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new System.ComponentModel.Win32Exception(errno, $"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
