using System.Runtime.CompilerServices;

namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// One page a backend has mapped through <see cref="GrantMapper"/>: exactly that page, with the
/// access it was mapped for. Valid until <see cref="GrantMapper.Unmap"/>.
/// </summary>
public readonly unsafe struct GrantMapping
{
    private readonly byte* _page;

    internal GrantMapping(GrantMapper owner, int generation, GrantRef grant, uint page, GrantAccess access, byte* address)
    {
        Owner = owner;
        Generation = generation;
        Grant = grant;
        Page = page;
        Access = access;
        _page = address;
    }

    /// <summary>The grant that was mapped.</summary>
    public GrantRef Grant { get; }

    /// <summary>The pool page it named, as read once when it was mapped.</summary>
    public uint Page { get; }

    /// <summary>Read or write.</summary>
    public GrantAccess Access { get; }

    /// <summary>True for a mapping made by a successful map (not a default value).</summary>
    public bool IsValid => _page != null;

    /// <summary>The page, readable.</summary>
    public ReadOnlySpan<byte> ReadOnlySpan
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_page, PoolLayout.PageSize);
    }

    /// <summary>The page, writable; only for a mapping made with <see cref="GrantAccess.Write"/>.</summary>
    public Span<byte> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Access != GrantAccess.Write)
            {
                ThrowReadOnly();
            }

            return new(_page, PoolLayout.PageSize);
        }
    }

    internal byte* Address => _page;

    internal GrantMapper? Owner { get; }

    internal int Generation { get; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowReadOnly() =>
        throw new InvalidOperationException($"Grant {Grant} was mapped for reading; its page cannot be written.");
}
