using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Frontend.Block;

/// <summary>
/// One ring request of a block device, from the moment it is built until its response arrives:
/// the request exactly as written to the ring, the grants it holds and the operation it belongs
/// to. Keeping it whole is what makes replay possible: after a reconnect the same entry, with the
/// same id and grants, is written to the new ring.
/// </summary>
internal sealed class PendingRequest
{
    public PendingRequest(int index, int maxSegments)
    {
        Index = index;
        Grants = new GrantRef[maxSegments];
        GrantPages = new int[maxSegments];
    }

    /// <summary>Position in the device's table; the low half of the id.</summary>
    public int Index { get; }

    /// <summary>Bumped at every use, the high half of the id, so a late or repeated response cannot complete a later request.</summary>
    public uint Generation;

    /// <summary>The ring entry as sent (direct, discard or indirect form).</summary>
    public BlkifRequest Request;

    /// <summary>The operation the response must name.</summary>
    public BlkifOperation ExpectedOperation;

    /// <summary>Grants of the data pages made for this request, ended when the response arrives (or kept, when the backend kept them mapped).</summary>
    public GrantRef[] Grants;

    /// <summary>The pool page each of <see cref="Grants"/> grants.</summary>
    public int[] GrantPages;

    /// <summary>Live entries of <see cref="Grants"/>.</summary>
    public int GrantCount;

    /// <summary>The caller's operation this request is part of.</summary>
    public BlockOperation? Operation;

    /// <summary>Submission order, so a replay sends requests in the order they were first sent.</summary>
    public long Sequence;

    /// <summary>Written to the ring and not yet answered.</summary>
    public bool InFlight;

    /// <summary>First of the pool pages holding this slot's indirect segments; 0 when the device sends no INDIRECT requests.</summary>
    public int IndirectFirstPage;

    /// <summary>Grants (read-only, for the device's lifetime) of the indirect pages.</summary>
    public GrantRef[] IndirectGrants = [];

    /// <summary>The id the next response must carry.</summary>
    public ulong Id => ((ulong)Generation << 32) | (uint)Index;
}
