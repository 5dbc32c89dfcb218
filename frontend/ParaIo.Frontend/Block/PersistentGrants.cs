using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Block;

/// <summary>
/// BlkFront's side of <c>feature-persistent</c>: the grants of data pages the backend kept mapped,
/// by pool page, so a page used again is sent with the same reference and the backend, which still
/// maps it, maps nothing.
/// </summary>
/// <remarks>
/// As in Linux's blkfront, the backend decides what it keeps (up to its own budget): every data
/// page is granted writable, and once a request's response has arrived a grant that cannot be ended
/// is one the backend kept; it is adopted here, and the others are ended as without the feature.
/// Unlike Linux's blkfront, which copies data through a private set of persistently granted pages,
/// ParaIo's buffers are pool pages already, so the caller's own pages are granted and no data is
/// copied. A page keeps its grant after its buffer is freed and reused elsewhere in the pool; the
/// backend is trusted (it is dom0), and every kept grant ends when the device closes. Thread-safe:
/// requests are built and completed on several threads.
/// </remarks>
internal sealed class PersistentGrants
{
    private readonly GuestMemory _memory;
    private readonly uint[] _grefs;
    private int _count;

    public PersistentGrants(GuestMemory memory)
    {
        _memory = memory;
        _grefs = new uint[memory.Pool.Geometry.PageCount];
    }

    /// <summary>Pages whose grant the backend keeps.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The kept grant of <paramref name="page"/>, if the backend keeps one.</summary>
    public bool TryGet(int page, out GrantRef grant)
    {
        var known = Volatile.Read(ref _grefs[page]);
        grant = new GrantRef(known);
        return known != 0;
    }

    /// <summary>
    /// Records <paramref name="grant"/>, which the backend still maps after its request was answered,
    /// as <paramref name="page"/>'s kept grant; false when the page has one already (two requests
    /// granted it at once), so this one is to be ended later.
    /// </summary>
    public bool Adopt(int page, GrantRef grant)
    {
        if (Interlocked.CompareExchange(ref _grefs[page], grant.Value, 0) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>Ends every kept grant; those the backend still maps are handed to <paramref name="stillMapped"/>.</summary>
    public void EndAll(Action<GrantRef> stillMapped)
    {
        for (var page = 0; page < _grefs.Length; page++)
        {
            var gref = Interlocked.Exchange(ref _grefs[page], 0);
            if (gref == 0)
            {
                continue;
            }

            Interlocked.Decrement(ref _count);
            var grant = new GrantRef(gref);
            if (!_memory.Grants.TryEndAccess(grant))
            {
                stillMapped(grant);
            }
        }
    }
}
