using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// A backend's way into guest pages for one ring (or one direction of one): with persistent grants
/// (the frontend's <c>feature-persistent</c>, in netif and blkif alike) a grant is mapped at first
/// use and kept until <see cref="Clear"/>, up to a bound; otherwise, and beyond the bound, each use
/// maps and <see cref="Release"/> unmaps. A kept mapping holds the grant's busy bits, so the guest
/// cannot end access to it, and so cannot point the reference at another page, while it is kept.
/// </summary>
/// <remarks>
/// Lookups and <see cref="Clear"/> are single-threaded: the owner (a ring thread, or the holder of
/// the owner's lock) alone calls <see cref="TryMap"/>. <see cref="Release"/> only unmaps a
/// transient mapping and may run on any thread.
/// </remarks>
public sealed unsafe class GrantCache
{
    private readonly GrantMapper _mapper;
    private readonly GrantAccess _access;
    private readonly int _max;
    private readonly GrantMapping[]? _cached;
    private int _count;

    /// <summary>Creates a cache over <paramref name="mapper"/>.</summary>
    /// <param name="mapper">The guest's grant mapper.</param>
    /// <param name="access">The access every mapping is made with (persistent mappings must allow every use, so a ring that both reads and writes pages asks for <see cref="GrantAccess.Write"/>).</param>
    /// <param name="persistent">Keep mappings (the frontend negotiated persistent grants); false maps and unmaps every use.</param>
    /// <param name="max">The most mappings kept at once; further grants are mapped for one use.</param>
    public GrantCache(GrantMapper mapper, GrantAccess access, bool persistent, int max)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        _mapper = mapper;
        _access = access;
        _max = max;
        _cached = persistent && max > 0 ? new GrantMapping[mapper.Pool.Geometry.GrantEntries] : null;
    }

    /// <summary>Mappings kept now.</summary>
    public int Count => _count;

    /// <summary>
    /// The page of <paramref name="gref"/>, kept or mapped now; <paramref name="transient"/> (invalid
    /// when the page is kept) must be passed to <see cref="Release"/> once the use is over.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryMap(uint gref, out byte* page, out GrantMapping transient, out GrantError error)
    {
        var cached = _cached;
        if (cached is not null && gref < (uint)cached.Length && cached[gref].IsValid)
        {
            page = AddressOf(cached[gref]);
            transient = default;
            error = GrantError.None;
            return true;
        }

        return MapSlow(gref, out page, out transient, out error);
    }

    /// <summary>Unmaps what <see cref="TryMap"/> mapped for one use; a kept mapping (an invalid <paramref name="transient"/>) stays.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(in GrantMapping transient)
    {
        if (transient.IsValid)
        {
            _mapper.Unmap(transient);
        }
    }

    /// <summary>Unmaps every kept grant.</summary>
    public void Clear()
    {
        if (_cached is null)
        {
            return;
        }

        for (var i = 0; i < _cached.Length && _count > 0; i++)
        {
            if (_cached[i].IsValid)
            {
                _mapper.Unmap(_cached[i]);
                _cached[i] = default;
                _count--;
            }
        }
    }

    /// <summary>Why <paramref name="gref"/> could not be mapped, for a log line or a disconnect reason.</summary>
    public string Describe(uint gref, GrantError error) => _mapper.Describe(new GrantRef(gref), _access, error);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MapSlow(uint gref, out byte* page, out GrantMapping transient, out GrantError error)
    {
        if (!_mapper.TryMap(new GrantRef(gref), _access, out var mapping, out error))
        {
            page = null;
            transient = default;
            return false;
        }

        page = AddressOf(mapping);
        if (_cached is not null && _count < _max && gref < (uint)_cached.Length)
        {
            _cached[gref] = mapping;
            _count++;
            transient = default;
        }
        else
        {
            transient = mapping;
        }

        return true;
    }

    private static byte* AddressOf(in GrantMapping mapping) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(mapping.ReadOnlySpan));
}
