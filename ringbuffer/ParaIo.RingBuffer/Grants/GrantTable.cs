namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// The guest's side of its grant table: grants pages of its pool to a domain and ends that access.
/// Thread-safe.
/// </summary>
public sealed unsafe class GrantTable
{
    private readonly GrantPool _pool;
    private readonly ushort _domain;
    private readonly Lock _lock = new();
    private readonly Stack<uint> _free;
    private readonly bool[] _granted;

    /// <summary>Takes charge of the grant table of a pool this guest created.</summary>
    /// <param name="pool">The guest's own pool.</param>
    /// <param name="domain">This guest's domain id, used in messages only.</param>
    public GrantTable(GrantPool pool, ushort domain)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!pool.IsOwner)
        {
            throw new InvalidOperationException("Only the guest that created a pool may grant its pages.");
        }

        _pool = pool;
        _domain = domain;
        var entries = pool.Geometry.GrantEntries;
        _free = new Stack<uint>(entries);
        _granted = new bool[entries];
        // Hand out low references first; grant 0 stays reserved.
        for (var gref = (uint)entries - 1; gref >= 1; gref--)
        {
            _free.Push(gref);
        }
    }

    /// <summary>Number of grant references still free.</summary>
    public int FreeCount
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>Grants <paramref name="page"/> to <paramref name="toDomain"/>, read-only or writable.</summary>
    /// <exception cref="GrantAccessException">The table is full.</exception>
    public GrantRef GrantAccess(ushort toDomain, int page, bool readOnly)
    {
        _pool.CheckDataPages(page, 1);
        uint gref;
        lock (_lock)
        {
            if (!_free.TryPop(out gref))
            {
                throw new GrantAccessException(GrantError.TableFull, GrantRef.Invalid, $"Domain {_domain}'s grant table has no free entries (all {_pool.Geometry.GrantEntries - 1} in use).");
            }

            _granted[gref] = true;
        }

        var entry = Entry(gref);
        entry.Page = (uint)page;
        var flags = GrantFlags.PermitAccess | (readOnly ? GrantFlags.ReadOnly : GrantFlags.None);
        // Release: the page number is visible before the flags that permit mapping it.
        Volatile.Write(ref entry.FlagsAndDomain, GrantEntry.Word(flags, toDomain));
        return new GrantRef(gref);
    }

    /// <summary>
    /// Ends access to a grant and frees its reference, unless the backend still has the page mapped.
    /// </summary>
    /// <returns>False, with the grant left in place, while the page is mapped.</returns>
    /// <exception cref="InvalidOperationException">The grant is not in use (ended twice?).</exception>
    public bool TryEndAccess(GrantRef grant)
    {
        CheckOwned(grant);
        lock (_lock)
        {
            if (!_granted[grant.Value])
            {
                throw new InvalidOperationException($"Grant {grant} of domain {_domain} is not in use; was its access ended twice?");
            }
        }

        var entry = Entry(grant.Value);
        var word = Volatile.Read(ref entry.FlagsAndDomain);
        while (true)
        {
            if ((GrantEntry.FlagsOf(word) & GrantFlags.TypeMask) != GrantFlags.PermitAccess)
            {
                // Another thread ended it between our check of _granted and here: one end only.
                throw new InvalidOperationException($"Grant {grant} of domain {_domain} is not in use; was its access ended twice?");
            }

            if ((GrantEntry.FlagsOf(word) & GrantFlags.Busy) != 0)
            {
                return false;
            }

            // Xen's rule: revocation succeeds only by compare-exchange while neither busy bit is set,
            // so a backend mapping the page at this instant either wins (and we fail) or sees it gone.
            var seen = Interlocked.CompareExchange(ref entry.FlagsAndDomain, 0, word);
            if (seen == word)
            {
                break;
            }

            word = seen;
        }

        lock (_lock)
        {
            _granted[grant.Value] = false;
            _free.Push(grant.Value);
        }

        return true;
    }

    /// <summary>
    /// Clears the busy bits a backend that is gone left behind, so the guest can end those grants
    /// or have them mapped afresh. Xen's hypervisor unmaps a dead domain's mappings itself; here
    /// the guest does it, and only when it knows the mapper is gone: paraiod accepts a new session
    /// of a domain only after it unmapped every grant of the old one, or after it died and took
    /// its mappings with it. Returns how many grants were still marked mapped.
    /// </summary>
    public int ClearStaleMappings()
    {
        var cleared = 0;
        for (uint gref = 1; gref < (uint)_pool.Geometry.GrantEntries; gref++)
        {
            ref var word = ref Entry(gref).FlagsAndDomain;
            var seen = Volatile.Read(ref word);
            while ((GrantEntry.FlagsOf(seen) & GrantFlags.Busy) != 0)
            {
                var cleanFlags = GrantEntry.FlagsOf(seen) & ~GrantFlags.Busy;
                var witnessed = Interlocked.CompareExchange(ref word, GrantEntry.Word(cleanFlags, GrantEntry.DomainOf(seen)), seen);
                if (witnessed == seen)
                {
                    cleared++;
                    break;
                }

                seen = witnessed;
            }
        }

        return cleared;
    }

    /// <summary>Ends access to a grant; throws while the backend still has the page mapped.</summary>
    /// <exception cref="GrantAccessException">The page is still mapped.</exception>
    public void EndAccess(GrantRef grant)
    {
        if (!TryEndAccess(grant))
        {
            var flags = GrantEntry.FlagsOf(Volatile.Read(ref Entry(grant.Value).FlagsAndDomain));
            throw new GrantAccessException(GrantError.StillMapped, grant, $"Grant {grant} of domain {_domain} is still mapped by the backend (flags {flags}); end access after it unmaps.");
        }
    }

    /// <summary>True while the backend has the grant mapped (either busy bit set).</summary>
    public bool IsMapped(GrantRef grant)
    {
        CheckOwned(grant);
        return (GrantEntry.FlagsOf(Volatile.Read(ref Entry(grant.Value).FlagsAndDomain)) & GrantFlags.Busy) != 0;
    }

    private void CheckOwned(GrantRef grant)
    {
        if (grant.Value == 0 || grant.Value >= (uint)_pool.Geometry.GrantEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(grant), $"Grant {grant} is not a grant of this table (1..{_pool.Geometry.GrantEntries - 1}).");
        }
    }

    private GrantEntry Entry(uint gref) => new(_pool.GrantEntryPointer(gref));
}
