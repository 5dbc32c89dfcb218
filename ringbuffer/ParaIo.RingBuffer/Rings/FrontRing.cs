using System.Runtime.CompilerServices;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.RingBuffer.Rings;

/// <summary>
/// The frontend (guest) end of a shared ring: produces requests, consumes responses. Single
/// producer, single consumer: one thread at a time drives it.
/// </summary>
/// <typeparam name="TRequest">The request entry, a blittable struct.</typeparam>
/// <typeparam name="TResponse">The response entry, a blittable struct.</typeparam>
public sealed unsafe class FrontRing<TRequest, TResponse>
    where TRequest : unmanaged
    where TResponse : unmanaged
{
    private readonly SharedRingHeader _shared;
    private readonly byte* _slots;
    private readonly uint _mask;
    private readonly nuint _slotSize;

    private uint _requestProducer;      // req_prod_pvt
    private uint _requestPublished;     // last value stored to req_prod
    private uint _responseConsumer;     // rsp_cons
    private uint _responseProducerSeen; // rsp_prod as last read, already checked

    private FrontRing(GrantPool pool, int firstPage, int pageOrder, uint requestProducer, uint responseConsumer)
    {
        if (!pool.IsOwner)
        {
            throw new InvalidOperationException("A frontend ring lives in the guest's own pool; the backend attaches with BackRing.");
        }

        var size = RingLayout.SlotCount(pageOrder, RingLayout.SlotSize<TRequest, TResponse>());
        pool.CheckDataPages(firstPage, 1 << pageOrder);
        _shared = new SharedRingHeader(pool.PagePointer((uint)firstPage));
        _slots = _shared.Slots;
        _mask = size - 1;
        _slotSize = (nuint)RingLayout.SlotSize<TRequest, TResponse>();
        FirstPage = firstPage;
        PageOrder = pageOrder;
        _requestProducer = requestProducer;
        _requestPublished = requestProducer;
        _responseConsumer = responseConsumer;
        _responseProducerSeen = responseConsumer;
    }

    /// <summary>
    /// Initialises a new shared ring in pages the guest allocated (Xen's SHARED_RING_INIT and
    /// FRONT_RING_INIT). <paramref name="startIndex"/> lets tests start the free-running indices
    /// anywhere, for example just below 2^32.
    /// </summary>
    public static FrontRing<TRequest, TResponse> Create(GrantPool pool, int firstPage, int pageOrder, uint startIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var ring = new FrontRing<TRequest, TResponse>(pool, firstPage, pageOrder, startIndex, startIndex);
        new Span<byte>(ring._shared.Slots - RingLayout.HeaderSize, Grants.PoolLayout.PageSize << pageOrder).Clear();
        ring._shared.RequestEvent = startIndex + 1;
        ring._shared.ResponseEvent = startIndex + 1;
        ring._shared.ResponseProducer = startIndex;
        // Release: the cleared slots and event indices are in place before the ring is live.
        Volatile.Write(ref ring._shared.RequestProducer, startIndex);
        return ring;
    }

    /// <summary>
    /// Takes over an existing ring at known private indices (Xen's FRONT_RING_ATTACH), as a
    /// frontend does when it reconnects with its own state intact.
    /// </summary>
    public static FrontRing<TRequest, TResponse> Attach(GrantPool pool, int firstPage, int pageOrder, uint requestProducer, uint responseConsumer)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (requestProducer - responseConsumer > RingLayout.SlotCount(pageOrder, RingLayout.SlotSize<TRequest, TResponse>()))
        {
            throw new ArgumentException($"Cannot attach: {requestProducer - responseConsumer} requests outstanding exceed the ring size.", nameof(requestProducer));
        }

        return new FrontRing<TRequest, TResponse>(pool, firstPage, pageOrder, requestProducer, responseConsumer);
    }

    /// <summary>First pool page of the ring.</summary>
    public int FirstPage { get; }

    /// <summary>log2 of the ring's page count.</summary>
    public int PageOrder { get; }

    /// <summary>Number of slots.</summary>
    public uint Size => _mask + 1;

    /// <summary>req_prod_pvt: the next request index to fill.</summary>
    public uint RequestProducer => _requestProducer;

    /// <summary>rsp_cons: the next response index to read.</summary>
    public uint ResponseConsumer => _responseConsumer;

    /// <summary>Slots free for new requests.</summary>
    public int FreeRequests
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(Size - (_requestProducer - _responseConsumer));
    }

    /// <summary>Requests sent and not yet answered.</summary>
    public int Outstanding => (int)(_requestProducer - _responseConsumer);

    /// <summary>The first protocol violation seen from the backend, or null.</summary>
    public RingFault? Fault { get; private set; }

    /// <summary>
    /// Claims the next request slot and returns it for the caller to fill in place. The request is
    /// not visible to the backend until <see cref="PushRequests"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ring is full.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TRequest NextRequest()
    {
        if (_requestProducer - _responseConsumer >= Size)
        {
            ThrowHelper.ThrowRingFull();
        }

        return ref Unsafe.AsRef<TRequest>(Slot(_requestProducer++));
    }

    /// <summary>Copies <paramref name="request"/> into the next slot; false when the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteRequest(in TRequest request)
    {
        if (_requestProducer - _responseConsumer >= Size)
        {
            return false;
        }

        Unsafe.WriteUnaligned(Slot(_requestProducer++), request);
        return true;
    }

    /// <summary>
    /// Publishes the requests written since the last push (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY).
    /// Returns true when the backend asked to be notified, i.e. its req_event lies among them.
    /// </summary>
    public bool PushRequests()
    {
        var oldIndex = _requestPublished;
        var newIndex = _requestProducer;
        if (oldIndex == newIndex)
        {
            return false;
        }

        _requestPublished = newIndex;
        return SharedRingHeader.PublishAndCheckNotify(ref _shared.RequestProducer, ref _shared.RequestEvent, oldIndex, newIndex);
    }

    /// <summary>Responses published by the backend and not yet consumed.</summary>
    public int UnconsumedResponses
    {
        get
        {
            RefreshResponses();
            return (int)(_responseProducerSeen - _responseConsumer);
        }
    }

    /// <summary>Copies the next response out of the ring, if there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTakeResponse(out TResponse response)
    {
        if (_responseConsumer == _responseProducerSeen && !RefreshResponses())
        {
            response = default;
            return false;
        }

        response = Unsafe.ReadUnaligned<TResponse>(Slot(_responseConsumer++));
        return true;
    }

    /// <summary>
    /// Arms rsp_event and checks once more for responses (RING_FINAL_CHECK_FOR_RESPONSES). When it
    /// returns false the backend will notify on its next response, so the caller may sleep.
    /// </summary>
    public bool FinalCheckForResponses()
    {
        if (_responseConsumer != _responseProducerSeen || RefreshResponses())
        {
            return true;
        }

        SharedRingHeader.ArmEvent(ref _shared.ResponseEvent, _responseConsumer + 1);
        return RefreshResponses();
    }

    /// <summary>Reads rsp_prod and checks it; true when it shows responses not yet consumed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefreshResponses()
    {
        if (Fault is not null)
        {
            return false;
        }

        // Acquire: the response slots are read only after rsp_prod says they are there.
        var producer = Volatile.Read(ref _shared.ResponseProducer);
        if ((int)(producer - _responseProducerSeen) < 0)
        {
            Stop(new RingFault(RingFaultKind.ProducerRewound, $"rsp_prod {producer} moved back behind {_responseProducerSeen}, a value already seen."));
            return false;
        }

        if (producer - _responseConsumer > _requestProducer - _responseConsumer)
        {
            Stop(new RingFault(RingFaultKind.ProducerOverrun, $"rsp_prod {producer} claims more responses than the {_requestProducer - _responseConsumer} requests outstanding (rsp_cons {_responseConsumer})."));
            return false;
        }

        _responseProducerSeen = producer;
        return producer != _responseConsumer;
    }

    /// <summary>Records the first fault and stops the ring: responses already seen are not handed out.</summary>
    private void Stop(RingFault fault)
    {
        Fault ??= fault;
        _responseProducerSeen = _responseConsumer;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Slot(uint index) => _slots + ((index & _mask) * _slotSize);
}
