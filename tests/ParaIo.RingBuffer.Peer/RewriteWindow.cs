using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Peer;

/// <summary>
/// The double-fetch harness's handshake, kept in the padding of the ring header (bytes no protocol
/// field uses): the backend under test says "I have validated slot i" and waits; the attacker
/// rewrites slot i and acknowledges; the backend then uses the request. Test harness only.
/// <code>
///  rsp_prod block +64  u32 request sequence (backend)   +68 u32 slot index (backend)
///  req_prod block +64  u32 acknowledged sequence (attacker)
/// </code>
/// </summary>
public readonly unsafe struct RewriteWindow
{
    private readonly uint* _sequence;
    private readonly uint* _slot;
    private readonly uint* _acknowledged;

    public RewriteWindow(byte* ring)
    {
        _sequence = (uint*)(ring + RingLayout.ResponseProducerOffset + 64);
        _slot = (uint*)(ring + RingLayout.ResponseProducerOffset + 68);
        _acknowledged = (uint*)(ring + RingLayout.RequestProducerOffset + 64);
    }

    /// <summary>Backend: asks for slot <paramref name="slot"/> to be rewritten and waits up to <paramref name="timeout"/> for it.</summary>
    public bool RequestRewrite(uint sequence, uint slot, TimeSpan timeout)
    {
        Volatile.Write(ref *_slot, slot);
        Volatile.Write(ref *_sequence, sequence); // release: the slot index is visible first
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (Volatile.Read(ref *_acknowledged) != sequence)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            Thread.SpinWait(1);
        }

        return true;
    }

    /// <summary>Attacker: takes a new request, if any.</summary>
    public bool TryTakeRequest(ref uint seen, out uint slot)
    {
        var sequence = Volatile.Read(ref *_sequence); // acquire: the slot index was written before it
        slot = Volatile.Read(ref *_slot);
        if (sequence == seen)
        {
            return false;
        }

        seen = sequence;
        return true;
    }

    /// <summary>Attacker: says the rewrite is done.</summary>
    public void Acknowledge(uint sequence) => Volatile.Write(ref *_acknowledged, sequence);
}
