namespace ParaIo.RingBuffer.Rings;

/// <summary>What the other end did to break the ring protocol.</summary>
public enum RingFaultKind
{
    /// <summary>The producer index ran more than a ring ahead of the consumer.</summary>
    ProducerOverrun,

    /// <summary>The producer index moved backwards past entries already consumed.</summary>
    ProducerRewound,

    /// <summary>A request that a layer above found malicious (Xen's netback disconnects for such).</summary>
    BadRequest,
}

/// <summary>
/// A protocol violation seen on a ring. The ring stops moving when it records one; the device
/// that owns it disconnects with <see cref="Reason"/> in its log.
/// </summary>
/// <param name="Kind">The class of violation.</param>
/// <param name="Reason">One sentence for the operator's log, with the indices seen.</param>
public sealed record RingFault(RingFaultKind Kind, string Reason);
