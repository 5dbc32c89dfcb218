using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Backend.Net;

/// <summary>
/// One queue direction's way into guest pages. With persistent grants (the frontend's
/// <c>feature-persistent</c>) a grant is mapped at first use and kept until the device closes, up
/// to a bound; otherwise, and beyond the bound, each use maps and unmaps. Single-threaded: the
/// owner (a tx thread, or the rx lock holder) alone uses it.
/// </summary>
internal sealed unsafe class GrantCache
{
    private readonly GrantMapper _mapper;
    private readonly GrantAccess _access;
    private readonly int _max;
    private readonly GrantMapping[]? _cached;
    private int _count;

    public GrantCache(GrantMapper mapper, GrantAccess access, bool persistent, int max)
    {
        _mapper = mapper;
        _access = access;
        _max = max;
        _cached = persistent && max > 0 ? new GrantMapping[mapper.Pool.Geometry.GrantEntries] : null;
    }

    public int Count => _count;

    /// <summary>The page of <paramref name="gref"/>; <paramref name="transient"/> must be passed to <see cref="Release"/>.</summary>
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
