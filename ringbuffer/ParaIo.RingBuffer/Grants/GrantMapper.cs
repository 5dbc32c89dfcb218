using System.Runtime.CompilerServices;

namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// The backend's view of one guest's grant table. Plays the hypervisor's part: every map checks the
/// reference, the entry's domain, its flags and the page it names, marks the entry busy, and only
/// then hands out that one page. Nothing in the backend touches guest memory except through it.
/// Thread-safe.
/// </summary>
/// <remarks>
/// Map counts live in private memory; the shared busy bits only tell the guest not to revoke. A
/// guest that clears them anyway hurts itself alone: the backend still writes only into that
/// guest's own pool.
/// </remarks>
public sealed unsafe class GrantMapper
{
    private const int MaxCompareExchangeAttempts = 64;
    private const int LockStripes = 64;

    private readonly GrantPool _pool;
    private readonly ushort _localDomain;
    private readonly ushort _guestDomain;
    private readonly int[] _mappings;       // live mappings of each grant, read or write
    private readonly int[] _writeMappings;  // of those, the writable ones
    private readonly Lock[] _locks;
    private int _mappedCount;
    private int _generation; // bumped by UnmapAll: mappings from before it are void

    /// <summary>Creates the mapper for a pool a guest handed over.</summary>
    /// <param name="pool">The guest's pool, attached in this process.</param>
    /// <param name="localDomain">The domain this backend runs as (0 for dom0); grants must name it.</param>
    /// <param name="guestDomain">The granting guest's domain id, for messages.</param>
    public GrantMapper(GrantPool pool, ushort localDomain, ushort guestDomain)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        _localDomain = localDomain;
        _guestDomain = guestDomain;
        _mappings = new int[pool.Geometry.GrantEntries];
        _writeMappings = new int[pool.Geometry.GrantEntries];
        _locks = new Lock[LockStripes];
        for (var i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new Lock();
        }
    }

    /// <summary>The pool mapped through this mapper.</summary>
    public GrantPool Pool => _pool;

    /// <summary>Number of live mappings.</summary>
    public int MappedCount => Volatile.Read(ref _mappedCount);

    /// <summary>Maps a grant, or throws <see cref="GrantAccessException"/> naming the broken rule.</summary>
    public GrantMapping Map(GrantRef grant, GrantAccess access)
    {
        if (!TryMap(grant, access, out var mapping, out var error))
        {
            ThrowMapRefused(grant, access, error);
        }

        return mapping;
    }

    /// <summary>Maps a grant; on refusal returns false with the reason in <paramref name="error"/>.</summary>
    public bool TryMap(GrantRef grant, GrantAccess access, out GrantMapping mapping, out GrantError error)
    {
        mapping = default;
        var gref = grant.Value;
        if (gref == 0 || gref >= (uint)_mappings.Length)
        {
            error = GrantError.OutOfRange;
            return false;
        }

        var entry = Entry(gref);
        // As in Xen: every mapping sets GTF_reading, a writable one GTF_writing as well.
        var busyBits = access == GrantAccess.Write ? GrantFlags.Busy : GrantFlags.Reading;
        lock (_locks[gref % LockStripes])
        {
            error = MarkBusy(entry, access, busyBits);
            if (error != GrantError.None)
            {
                return false;
            }

            // The page number is read once, after the busy bit is set (a well-behaved guest no longer
            // changes it) and only this private copy is checked and used.
            var page = Volatile.Read(ref entry.Page);
            if (page < (uint)_pool.Geometry.FirstDataPage || page >= (uint)_pool.Geometry.PageCount)
            {
                ClearUnusedBusyBits(entry, gref);
                error = GrantError.BadPage;
                return false;
            }

            _mappings[gref]++;
            if (access == GrantAccess.Write)
            {
                _writeMappings[gref]++;
            }

            Interlocked.Increment(ref _mappedCount);
            mapping = new GrantMapping(this, Volatile.Read(ref _generation), grant, page, access, _pool.PagePointer(page));
            return true;
        }
    }

    /// <summary>Unmaps a page mapped by this mapper; the busy bit clears with its last mapping.</summary>
    public void Unmap(in GrantMapping mapping)
    {
        var gref = mapping.Grant.Value;
        if (mapping.Owner != this)
        {
            throw new ArgumentException("The mapping was not made by this mapper.", nameof(mapping));
        }

        lock (_locks[gref % LockStripes])
        {
            if (mapping.Generation != Volatile.Read(ref _generation))
            {
                return; // UnmapAll already dropped it
            }

            var writable = mapping.Access == GrantAccess.Write;
            if (_mappings[gref] == 0 || (writable && _writeMappings[gref] == 0))
            {
                throw new InvalidOperationException($"Grant {mapping.Grant} of domain {_guestDomain} is not mapped for {mapping.Access}; unmapped twice?");
            }

            _mappings[gref]--;
            if (writable)
            {
                _writeMappings[gref]--;
            }

            ClearUnusedBusyBits(Entry(gref), gref);
            Interlocked.Decrement(ref _mappedCount);
        }
    }

    /// <summary>
    /// Maps the pages of a shared ring: 1, 2, 4, 8 or 16 grants that must name consecutive pool pages
    /// (ParaIo's frontends allocate ring pages contiguously; Xen would allow them scattered).
    /// </summary>
    /// <exception cref="GrantAccessException">A grant was refused or the pages are not consecutive; nothing stays mapped.</exception>
    public RingMapping MapRing(ReadOnlySpan<GrantRef> grants)
    {
        if (grants.Length is not (1 or 2 or 4 or 8 or 16))
        {
            throw new GrantAccessException(GrantError.OutOfRange, grants.IsEmpty ? GrantRef.Invalid : grants[0], $"A ring spans 1, 2, 4, 8 or 16 pages; domain {_guestDomain} offered {grants.Length}.");
        }

        var mappings = new GrantMapping[grants.Length];
        var mapped = 0;
        try
        {
            for (; mapped < grants.Length; mapped++)
            {
                mappings[mapped] = Map(grants[mapped], GrantAccess.Write);
                if (mapped > 0 && mappings[mapped].Page != mappings[0].Page + (uint)mapped)
                {
                    mapped++;
                    throw new GrantAccessException(GrantError.BadPage, grants[mapped - 1], $"Ring grant {grants[mapped - 1]} of domain {_guestDomain} names page {mappings[mapped - 1].Page}; ring pages must be consecutive after page {mappings[0].Page}.");
                }
            }

            return new RingMapping(this, mappings);
        }
        catch
        {
            for (var i = 0; i < mapped; i++)
            {
                Unmap(mappings[i]);
            }

            throw;
        }
    }

    /// <summary>
    /// Drops every mapping this mapper holds, for teardown of a guest that is gone: clears the busy
    /// bits it set so the pool is left as the guest granted it.
    /// </summary>
    public void UnmapAll()
    {
        // Mappings handed out before this point are void: unmapping one later is a no-op rather
        // than an error, and cannot take a count from a newer mapping of the same grant.
        Interlocked.Increment(ref _generation);
        for (var gref = 1u; gref < (uint)_mappings.Length; gref++)
        {
            lock (_locks[gref % LockStripes])
            {
                if (_mappings[gref] != 0)
                {
                    Interlocked.Add(ref _mappedCount, -_mappings[gref]);
                    _mappings[gref] = 0;
                    _writeMappings[gref] = 0;
                    ClearUnusedBusyBits(Entry(gref), gref);
                }
            }
        }
    }

    /// <summary>Explains a refusal the way an operator's log should read it.</summary>
    public string Describe(GrantRef grant, GrantAccess access, GrantError error)
    {
        var what = $"grant {grant} of domain {_guestDomain}";
        if (error is GrantError.OutOfRange || grant.Value == 0 || grant.Value >= (uint)_mappings.Length)
        {
            return $"{what} is out of range (the table holds grants 1..{_mappings.Length - 1})";
        }

        var word = Volatile.Read(ref Entry(grant.Value).FlagsAndDomain);
        var flags = GrantEntry.FlagsOf(word);
        return error switch
        {
            GrantError.NotPermitted => $"{what} does not permit access (flags {flags})",
            GrantError.WrongDomain => $"{what} is granted to domain {GrantEntry.DomainOf(word)}, not to domain {_localDomain}",
            GrantError.ReadOnly => $"{what} is read-only; a {access.ToString().ToLowerInvariant()} mapping was refused",
            GrantError.BadPage => $"{what} names a page outside the pool's data pages {_pool.Geometry.FirstDataPage}..{_pool.Geometry.PageCount - 1}",
            GrantError.UnsupportedFlags => $"{what} carries unsupported flags ({flags})",
            GrantError.Contended => $"{what} kept changing while it was being mapped",
            _ => $"{what}: {error}",
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowMapRefused(GrantRef grant, GrantAccess access, GrantError error) =>
        throw new GrantAccessException(error, grant, "Map refused: " + Describe(grant, access, error) + ".");

    private GrantError MarkBusy(GrantEntry entry, GrantAccess access, GrantFlags busyBits)
    {
        const GrantFlags known = GrantFlags.TypeMask | GrantFlags.ReadOnly | GrantFlags.Busy;
        var word = Volatile.Read(ref entry.FlagsAndDomain);
        for (var attempt = 0; attempt < MaxCompareExchangeAttempts; attempt++)
        {
            var flags = GrantEntry.FlagsOf(word);
            if ((flags & GrantFlags.TypeMask) != GrantFlags.PermitAccess)
            {
                return GrantError.NotPermitted;
            }

            if ((flags & ~known) != 0)
            {
                return GrantError.UnsupportedFlags;
            }

            if (GrantEntry.DomainOf(word) != _localDomain)
            {
                return GrantError.WrongDomain;
            }

            if (access == GrantAccess.Write && (flags & GrantFlags.ReadOnly) != 0)
            {
                return GrantError.ReadOnly;
            }

            // Checks and the busy bit land in one compare-exchange, so a revoke that races us either
            // happens first (and we see it) or fails on the guest's side.
            var seen = Interlocked.CompareExchange(ref entry.FlagsAndDomain, word | (int)busyBits, word);
            if (seen == word)
            {
                return GrantError.None;
            }

            word = seen;
        }

        return GrantError.Contended;
    }

    /// <summary>Clears the busy bits no live mapping of <paramref name="gref"/> needs any more. Caller holds its lock.</summary>
    private void ClearUnusedBusyBits(GrantEntry entry, uint gref)
    {
        var unused = (_mappings[gref] == 0 ? GrantFlags.Reading : GrantFlags.None) | (_writeMappings[gref] == 0 ? GrantFlags.Writing : GrantFlags.None);
        if (unused != GrantFlags.None)
        {
            // An atomic and, not a compare-exchange loop: a guest rewriting the word cannot make us spin.
            Interlocked.And(ref entry.FlagsAndDomain, ~(int)unused);
        }
    }

    private GrantEntry Entry(uint gref) => new(_pool.GrantEntryPointer(gref));
}
