using ParaIo.RingBuffer.Grants;

namespace ParaIo.RingBuffer.Handoff;

/// <summary>
/// What a frontend tells its backend about one queue: the grants of the ring's pages and the two
/// event channel ports. The store carries the same facts as <c>ring-ref</c>, <c>ring-page-order</c>
/// and <c>event-channel</c> keys; this record is their in-memory form.
/// </summary>
/// <param name="RingRefs">Grants of the ring's 2^order pages, in order.</param>
/// <param name="RequestPort">Port the frontend notifies when it publishes requests.</param>
/// <param name="ResponsePort">Port the backend notifies when it publishes responses.</param>
public sealed record RingOffer(GrantRef[] RingRefs, uint RequestPort, uint ResponsePort)
{
    /// <summary>log2 of the number of ring pages.</summary>
    public int PageOrder => System.Numerics.BitOperations.Log2((uint)RingRefs.Length);
}
