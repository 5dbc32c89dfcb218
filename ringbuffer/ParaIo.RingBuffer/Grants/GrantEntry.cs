using System.Runtime.CompilerServices;

namespace ParaIo.RingBuffer.Grants;

/// <summary>Typed access to one grant table entry in shared memory.</summary>
internal readonly unsafe struct GrantEntry
{
    private readonly byte* _entry;

    public GrantEntry(byte* entry) => _entry = entry;

    /// <summary>flags (low 16 bits) and domid (high 16 bits) as one word, for compare-exchange.</summary>
    public ref int FlagsAndDomain
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<int>(_entry + GrantEntryLayout.FlagsAndDomainOffset);
    }

    public ref uint Page
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.AsRef<uint>(_entry + GrantEntryLayout.PageOffset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GrantFlags FlagsOf(int word) => (GrantFlags)(ushort)word;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort DomainOf(int word) => (ushort)((uint)word >> 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Word(GrantFlags flags, ushort domain) => (int)(((uint)domain << 16) | (ushort)flags);
}
