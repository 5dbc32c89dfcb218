using System.Runtime.CompilerServices;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.RingBuffer.Rings;

/// <summary>
/// The backend end of a shared ring: consumes requests, produces responses. The guest on the
/// other end is not trusted: every request is copied into private memory before the caller sees it
/// (Xen's RING_COPY_REQUEST, the XSA-155 lesson), every req_prod it publishes is checked against
/// the backend's private indices, and nothing is read back from the fields the backend owns.
/// A violation is recorded in <see cref="Fault"/> and stops the ring; no method throws for it.
/// Single consumer: one thread at a time drives it.
/// </summary>
/// <typeparam name="TRequest">The request entry, a blittable struct.</typeparam>
/// <typeparam name="TResponse">The response entry, a blittable struct.</typeparam>
public sealed unsafe class BackRing<TRequest, TResponse>
    where TRequest : unmanaged
    where TResponse : unmanaged
{
    private readonly RingMapping _mapping;
    private readonly SharedRingHeader _shared;
    private readonly byte* _slots;
    private readonly uint _mask;
    private readonly nuint _slotSize;

    private uint _requestConsumer;     // req_cons
    private uint _requestProducerSeen; // req_prod as last read, already checked
    private uint _responseProducer;    // rsp_prod_pvt
    private uint _responsePublished;   // last value stored to rsp_prod

    private BackRing(RingMapping mapping, uint startIndex)
    {
        _mapping = mapping;
        _shared = new SharedRingHeader(mapping.Address);
        _slots = _shared.Slots;
        _mask = RingLayout.SlotCount(mapping.PageOrder, RingLayout.SlotSize<TRequest, TResponse>()) - 1;
        _slotSize = (nuint)RingLayout.SlotSize<TRequest, TResponse>();
        _requestConsumer = startIndex;
        _requestProducerSeen = startIndex;
        _responseProducer = startIndex;
        _responsePublished = startIndex;
    }

    /// <summary>
    /// Attaches to a ring the frontend initialised (Xen's BACK_RING_ATTACH). Without
    /// <paramref name="startIndex"/> the ring starts where the shared rsp_prod stands, read once.
    /// </summary>
    public static BackRing<TRequest, TResponse> Attach(RingMapping mapping, uint? startIndex = null)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var start = startIndex ?? Volatile.Read(ref new SharedRingHeader(mapping.Address).ResponseProducer);
        return new BackRing<TRequest, TResponse>(mapping, start);
    }

    /// <summary>The pages this ring lives in.</summary>
    public RingMapping Mapping => _mapping;

    /// <summary>Number of slots.</summary>
    public uint Size => _mask + 1;

    /// <summary>req_cons: the next request index to read.</summary>
    public uint RequestConsumer => _requestConsumer;

    /// <summary>rsp_prod_pvt: the next response index to fill.</summary>
    public uint ResponseProducer => _responseProducer;

    /// <summary>The first protocol violation seen from the frontend, or null.</summary>
    public RingFault? Fault { get; private set; }

    /// <summary>True once the frontend broke the protocol; the ring moves no more.</summary>
    public bool IsFaulted => Fault is not null;

    /// <summary>
    /// Requests the backend may consume now: published, and with a response slot free for each
    /// (Xen's RING_HAS_UNCONSUMED_REQUESTS).
    /// </summary>
    public int UnconsumedRequests
    {
        get
        {
            RefreshRequests();
            return (int)Available();
        }
    }

    /// <summary>Requests consumed and not yet answered.</summary>
    public int Unanswered => (int)(_requestConsumer - _responseProducer);

    /// <summary>
    /// Copies the next request into <paramref name="request"/>, private to the backend. The shared
    /// slot is read exactly once; later changes to it by the guest cannot reach the caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsumeRequest(out TRequest request)
    {
        if (Available() == 0 && !RefreshRequests())
        {
            request = default;
            return false;
        }

        Unsafe.SkipInit(out request);
        // One copy into the caller's private struct: this is the only read of the slot.
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<TRequest, byte>(ref request), ref *Slot(_requestConsumer++), (uint)sizeof(TRequest));
        return true;
    }

    /// <summary>Writes a response to the oldest unanswered request. Not visible until <see cref="PushResponses"/>.</summary>
    /// <exception cref="InvalidOperationException">Every consumed request is already answered.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteResponse(in TResponse response)
    {
        if (_responseProducer == _requestConsumer)
        {
            ThrowHelper.ThrowNoRequestToAnswer();
        }

        Unsafe.WriteUnaligned(Slot(_responseProducer++), response);
    }

    /// <summary>
    /// Publishes the responses written since the last push (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
    /// Returns true when the frontend asked to be notified. The old index comes from private
    /// memory, not from the shared rsp_prod a guest could rewrite.
    /// </summary>
    public bool PushResponses()
    {
        var oldIndex = _responsePublished;
        var newIndex = _responseProducer;
        if (oldIndex == newIndex)
        {
            return false;
        }

        _responsePublished = newIndex;
        return SharedRingHeader.PublishAndCheckNotify(ref _shared.ResponseProducer, ref _shared.ResponseEvent, oldIndex, newIndex);
    }

    /// <summary>
    /// Arms req_event and checks once more for requests (RING_FINAL_CHECK_FOR_REQUESTS). When it
    /// returns false the frontend will notify on its next request, so the backend may sleep.
    /// </summary>
    public bool FinalCheckForRequests()
    {
        if (Available() != 0 || RefreshRequests())
        {
            return true;
        }

        if (IsFaulted)
        {
            return false;
        }

        SharedRingHeader.ArmEvent(ref _shared.RequestEvent, _requestConsumer + 1);
        return RefreshRequests();
    }

    /// <summary>
    /// Records a violation found by a layer above (a request that makes no sense) so the ring stops
    /// the same way it does for index violations.
    /// </summary>
    public void Fail(RingFaultKind kind, string reason) => Stop(new RingFault(kind, reason));

    /// <summary>Records the first fault and stops the ring: requests already seen are not handed out.</summary>
    private void Stop(RingFault fault)
    {
        Fault ??= fault;
        _requestProducerSeen = _requestConsumer;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Available()
    {
        var published = _requestProducerSeen - _requestConsumer;
        var room = Size - (_requestConsumer - _responseProducer);
        return published < room ? published : room;
    }

    /// <summary>Reads req_prod once and checks it; true when requests can be consumed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefreshRequests()
    {
        if (Fault is not null)
        {
            return false;
        }

        // Acquire: the request slots are read only after req_prod says they are there.
        var producer = Volatile.Read(ref _shared.RequestProducer);
        var ahead = producer - _responseProducer;
        if ((int)ahead < 0 || ahead < _requestConsumer - _responseProducer)
        {
            Stop(new RingFault(RingFaultKind.ProducerRewound, $"req_prod {producer} moved back behind req_cons {_requestConsumer}."));
            return false;
        }

        if (ahead > Size)
        {
            // RING_REQUEST_PROD_OVERFLOW: more requests published than the ring has slots.
            Stop(new RingFault(RingFaultKind.ProducerOverrun, $"req_prod {producer} is {ahead} entries ahead of rsp_prod_pvt {_responseProducer}, more than a ring of {Size}."));
            return false;
        }

        _requestProducerSeen = producer;
        return Available() != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Slot(uint index) => _slots + ((index & _mask) * _slotSize);
}
