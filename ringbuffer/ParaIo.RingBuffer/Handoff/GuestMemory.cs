using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Handoff;

/// <summary>
/// Everything a guest shares: its pool with the grant table, page allocator and event channel
/// table that manage it.
/// </summary>
public sealed class GuestMemory : IDisposable
{
    private GuestMemory(GrantPool pool, ushort domain)
    {
        Pool = pool;
        Domain = domain;
        Grants = new GrantTable(pool, domain);
        Pages = new PageAllocator(pool);
        Events = new EventChannelTable(pool);
    }

    /// <summary>Creates a pool of <paramref name="pageCount"/> pages for guest <paramref name="domain"/>.</summary>
    public static GuestMemory Create(int pageCount, ushort domain, int grantEntries = 4096, int eventPorts = 64) =>
        new(GrantPool.Create(pageCount, grantEntries, eventPorts, $"paraio-dom{domain}"), domain);

    /// <summary>This guest's domain id.</summary>
    public ushort Domain { get; }

    /// <summary>The shared region.</summary>
    public GrantPool Pool { get; }

    /// <summary>The guest's grant table.</summary>
    public GrantTable Grants { get; }

    /// <summary>The allocator of data pages.</summary>
    public PageAllocator Pages { get; }

    /// <summary>The allocator of event channel ports.</summary>
    public EventChannelTable Events { get; }

    /// <summary>
    /// Allocates 2^<paramref name="pageOrder"/> pages, initialises a ring in them, grants them
    /// writable to <paramref name="backendDomain"/> and allocates its two ports.
    /// </summary>
    public FrontQueue<TRequest, TResponse> CreateQueue<TRequest, TResponse>(ushort backendDomain, int pageOrder, uint startIndex = 0)
        where TRequest : unmanaged
        where TResponse : unmanaged
    {
        var pages = 1 << pageOrder;
        var first = Pages.Allocate(pages);
        var ring = FrontRing<TRequest, TResponse>.Create(Pool, first, pageOrder, startIndex);
        var refs = new GrantRef[pages];
        for (var i = 0; i < pages; i++)
        {
            refs[i] = Grants.GrantAccess(backendDomain, first + i, readOnly: false);
        }

        return new FrontQueue<TRequest, TResponse>(this, ring, refs, Events.Allocate(), Events.Allocate());
    }

    /// <inheritdoc />
    public void Dispose() => Pool.Dispose();
}
