namespace ParaIo.RingBuffer.Events;

/// <summary>
/// Byte layout of one event channel port in the pool's event channel area (<see cref="Grants.PoolLayout"/>).
/// A port is a doorbell in one direction: one side notifies, the other waits.
/// <code>
///  +0  u32 pending    set to 1 by the notifier; cleared by the receiver when it takes the event;
///                     also the futex word the receiver sleeps on
///  +4  u32 masked     set by the receiver: a notification leaves pending set but wakes nobody
///  +8  u32 sleeping   set by the receiver while it blocks (or is about to); the notifier makes the
///                     futex wake system call only when it sees this set
///  +12 u32 wake seq   the futex word: bumped by every wake (a notify that finds the receiver
///                     sleeping, or the receiver's own Interrupt), so a wake that lands between the
///                     receiver's last check and its futex wait makes that wait return at once
///  +16 ..63           reserved, zero: one port per cache line
/// </code>
/// </summary>
public static class EventChannelLayout
{
    public const int PortStride = 64;
    public const int PendingOffset = 0;
    public const int MaskedOffset = 4;
    public const int SleepingOffset = 8;
    public const int WakeSequenceOffset = 12;
}
