using System.Runtime.InteropServices;

namespace ParaIo.Load.Demo;

/// <summary>
/// The backend's counters, published by the peer into one page of the shared pool so the demo's
/// display can read them without a message. Demo plumbing only: a real backend reports through
/// the store, not through guest memory.
/// <code>
///  +0 i64 requests served   +8 i64 notifications sent   +16 i64 futex wake-ups   +24 i64 sleeps
/// </code>
/// </summary>
internal readonly record struct DemoStats(long Served, long Notifications, long Wakeups, long Sleeps)
{
    public void Publish(Span<byte> page)
    {
        var words = MemoryMarshal.Cast<byte, long>(page);
        Volatile.Write(ref words[0], Served);
        Volatile.Write(ref words[1], Notifications);
        Volatile.Write(ref words[2], Wakeups);
        Volatile.Write(ref words[3], Sleeps);
    }

    public static DemoStats Read(Span<byte> page)
    {
        var words = MemoryMarshal.Cast<byte, long>(page);
        return new DemoStats(Volatile.Read(ref words[0]), Volatile.Read(ref words[1]), Volatile.Read(ref words[2]), Volatile.Read(ref words[3]));
    }
}
