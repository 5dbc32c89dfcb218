using System.Runtime.InteropServices;

namespace ParaIo.RingBuffer.Linux;

/// <summary>
/// futex(2) on a word in shared memory, across processes (the non-private operations, since the
/// word is in a MAP_SHARED mapping).
/// </summary>
internal static unsafe partial class Futex
{
    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;
    private const int ETIMEDOUT = 110;

    private static readonly long s_sysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        var other => throw new PlatformNotSupportedException($"futex is not wired up for {other}."),
    };

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, uint* address, int operation, uint value, TimeSpec* timeout, void* address2, uint value3);

    /// <summary>
    /// Sleeps while <c>*address == expected</c>, until woken or <paramref name="timeoutMs"/> passes
    /// (-1: no limit). Returns false only on timeout; a wake, a changed word or a signal return true,
    /// and the caller re-checks its condition either way.
    /// </summary>
    public static bool Wait(uint* address, uint expected, int timeoutMs)
    {
        TimeSpec timeout;
        var timeoutPointer = (TimeSpec*)null;
        if (timeoutMs >= 0)
        {
            timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = (timeoutMs % 1000) * 1_000_000L };
            timeoutPointer = &timeout;
        }

        if (Syscall(s_sysFutex, address, FUTEX_WAIT, expected, timeoutPointer, null, 0) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() != ETIMEDOUT;
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters on <paramref name="address"/>. Never blocks.</summary>
    public static void Wake(uint* address, int count) =>
        Syscall(s_sysFutex, address, FUTEX_WAKE, (uint)count, null, null, 0);
}
