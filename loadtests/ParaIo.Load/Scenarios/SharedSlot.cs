using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParaIo.Load.Wire;

namespace ParaIo.Load.Scenarios;

/// <summary>
/// The no-protocol limit: a bare 64-byte <see cref="LoadRequest"/> slot in shared memory whose
/// sequence number is the only thing either side polls. The writer stores the body, then the
/// sequence with release; the reader loads the sequence with acquire, then the body. Nothing is
/// checked, nothing is granted, nobody is notified.
/// </summary>
internal static class SharedSlot
{
    /// <summary>The slot at <paramref name="offset"/> bytes into a page of the pool.</summary>
    public static ref LoadRequest At(Span<byte> page, int offset) =>
        ref Unsafe.As<byte, LoadRequest>(ref MemoryMarshal.GetReference(page[offset..(offset + LoadRequest.Size)]));

    /// <summary>Stores everything but the sequence, then publishes the sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Publish(ref LoadRequest slot, in LoadRequest message)
    {
        var sequence = message.Sequence;
        Unsafe.CopyBlockUnaligned(
            ref Unsafe.Add(ref Unsafe.As<LoadRequest, byte>(ref slot), sizeof(ulong)),
            ref Unsafe.Add(ref Unsafe.As<LoadRequest, byte>(ref Unsafe.AsRef(in message)), sizeof(ulong)),
            LoadRequest.Size - sizeof(ulong));
        // Release: the body is stored before the sequence says it is there.
        Volatile.Write(ref slot.Sequence, sequence);
    }

    /// <summary>True once the slot shows a sequence other than <paramref name="seen"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasNew(ref LoadRequest slot, ulong seen) =>
        // Acquire: the body is read only after the new sequence is seen.
        Volatile.Read(ref slot.Sequence) != seen;

    /// <summary>True once the slot shows <paramref name="sequence"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Shows(ref LoadRequest slot, ulong sequence) =>
        // Acquire: the body is read only after the sequence is seen.
        Volatile.Read(ref slot.Sequence) == sequence;
}
