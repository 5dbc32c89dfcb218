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
    /// Xen's notify test: the event index lies in the half-open window (old, new] just published.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EventInWindow(uint newIndex, uint oldIndex, uint eventIndex) =>
        newIndex - eventIndex < newIndex - oldIndex;
}
