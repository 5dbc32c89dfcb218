using System.Runtime.CompilerServices;

namespace ParaIo.RingBuffer.Rings;

/// <summary>Typed access to the four shared indices of a ring (<see cref="RingLayout"/>).</summary>
internal readonly unsafe struct SharedRingHeader
{
    private readonly byte* _ring;

    public SharedRingHeader(byte* ring) => _ring = ring;

    public ref uint RequestProducer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<uint>(_ring + RingLayout.RequestProducerOffset);
    }

    public ref uint RequestEvent
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<uint>(_ring + RingLayout.RequestEventOffset);
    }

    public ref uint ResponseProducer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<uint>(_ring + RingLayout.ResponseProducerOffset);
    }

    public ref uint ResponseEvent
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<uint>(_ring + RingLayout.ResponseEventOffset);
    }

    public byte* Slots => _ring + RingLayout.HeaderSize;

    /// <summary>
    /// Publishes a producer index (the push half of RING_PUSH_*_AND_CHECK_NOTIFY) and returns true
    /// when the consumer's event index lies among the entries just published.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PublishAndCheckNotify(ref uint producer, ref uint eventIndex, uint oldIndex, uint newIndex)
    {
        // Release: the slots are written before the index says they are there.
        Volatile.Write(ref producer, newIndex);
        // Full fence: the index is stored before the event index is loaded; the consumer's
        // ArmEvent orders its store of the event index before its load of ours the same way.
        Interlocked.MemoryBarrier();
        return EventInWindow(newIndex, oldIndex, Volatile.Read(ref eventIndex));
    }

    /// <summary>
    /// Asks to be notified when the producer passes <paramref name="index"/> (the arming half of
    /// RING_FINAL_CHECK_FOR_*); the caller must look at the producer index once more afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ArmEvent(ref uint eventIndex, uint index)
    {
        Volatile.Write(ref eventIndex, index);
        // Full fence: the event index is stored before the producer index is loaded again.
        Interlocked.MemoryBarrier();
    }

    /// <summary>
    /// Xen's notify test: the event index lies in the half-open window (old, new] just published.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EventInWindow(uint newIndex, uint oldIndex, uint eventIndex) =>
        newIndex - eventIndex < newIndex - oldIndex;
}
