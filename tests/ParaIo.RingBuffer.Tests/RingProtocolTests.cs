using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// The io/ring.h protocol in one process: entries cross intact, free-running indices wrap at 2^32,
/// the ring size follows from the layout, notifications are asked for exactly when the event
/// index says so, and a frontend or backend that lies about its indices faults the ring on the
/// other side without an exception. The shared header is also written by hand, as a hostile peer
/// would write it.
/// </summary>
[TestClass]
public sealed unsafe class RingProtocolTests
{
    private const ushort GuestDomain = 1;
    private const ushort BackendDomain = 0;

    [TestMethod]
    public void RequestsAndResponsesCrossWithTheirContents()
    {
        using var rig = new Rig();

        for (var i = 0; i < 5; i++)
        {
            rig.Front.NextRequest() = new Request { Id = 100 + (ulong)i, Operation = 7 - (uint)i, Length = 4096u * (uint)i };
        }

        Assert.IsTrue(rig.Front.TryWriteRequest(new Request { Id = 105, Operation = uint.MaxValue, Length = 1 }));
        Assert.AreEqual(0, rig.Back.UnconsumedRequests, "requests are invisible until pushed");
        rig.Front.PushRequests();
        Assert.AreEqual(6, rig.Back.UnconsumedRequests);
        Assert.AreEqual(6, rig.Front.Outstanding);

        for (var i = 0; i < 6; i++)
        {
            Assert.IsTrue(rig.Back.TryConsumeRequest(out var request));
            Assert.AreEqual(100 + (ulong)i, request.Id);
            Assert.AreEqual(i < 5 ? 7 - (uint)i : uint.MaxValue, request.Operation);
            Assert.AreEqual(i < 5 ? 4096u * (uint)i : 1u, request.Length);
            rig.Back.WriteResponse(new Response { Id = request.Id, Status = -(long)request.Length });
        }

        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.AreEqual(0, rig.Front.UnconsumedResponses, "responses are invisible until pushed");
        rig.Back.PushResponses();
        Assert.AreEqual(6, rig.Front.UnconsumedResponses);

        for (var i = 0; i < 6; i++)
        {
            Assert.IsTrue(rig.Front.TryTakeResponse(out var response));
            Assert.AreEqual(100 + (ulong)i, response.Id);
            Assert.AreEqual(i < 5 ? -4096L * i : -1L, response.Status);
        }

        Assert.IsFalse(rig.Front.TryTakeResponse(out _));
        Assert.AreEqual(0, rig.Front.Outstanding);
        Assert.AreEqual(rig.Front.Size, (uint)rig.Front.FreeRequests);
    }

    [TestMethod]
    public void FreeRunningIndicesWrapPastTwoToThe32()
    {
        const uint Start = 0xFFFF_FF00;
        const int Total = 5_000;
        using var rig = new Rig(pageOrder: 0, startIndex: Start);
        var size = (int)rig.Front.Size;
        ulong sent = 0, consumed = 0, answered = 0, taken = 0;
        var round = 0;

        while (taken < Total)
        {
            round++;
            // The backend has caught up and armed req_event, so the next push must ask for a
            // notification, whatever side of 2^32 the indices are on.
            Assert.IsFalse(rig.Back.FinalCheckForRequests());
            var batch = Math.Min(Math.Min(1 + (round * 37 % size), rig.Front.FreeRequests), Total - (int)sent);
            for (var i = 0; i < batch; i++)
            {
                rig.Front.NextRequest() = new Request { Id = sent, Length = (uint)(sent * 7) };
                sent++;
            }

            if (batch > 0)
            {
                Assert.IsTrue(rig.Front.PushRequests(), $"round {round}: no notify at req_prod {rig.Front.RequestProducer:x8}");
            }

            while (rig.Back.TryConsumeRequest(out var request))
            {
                Assert.AreEqual(consumed, request.Id, $"request at index {Start + (uint)consumed:x8}");
                Assert.AreEqual((uint)(consumed * 7), request.Length);
                consumed++;
            }

            // Answer all but a few, so requests stay outstanding across rounds and across the wrap.
            var keep = sent == Total ? 0ul : (ulong)(round % 4);
            while (consumed - answered > keep)
            {
                rig.Back.WriteResponse(new Response { Id = answered, Status = (long)answered * 3 });
                answered++;
            }

            rig.Back.PushResponses();
            while (rig.Front.TryTakeResponse(out var response))
            {
                Assert.AreEqual(taken, response.Id, $"response at index {Start + (uint)taken:x8}");
                Assert.AreEqual((long)taken * 3, response.Status);
                taken++;
            }
        }

        Assert.AreEqual((ulong)Total, consumed);
        Assert.AreEqual(unchecked(Start + Total), rig.Front.RequestProducer);
        Assert.IsLessThan(Start, rig.Front.RequestProducer, "the indices did not wrap");
        Assert.AreEqual(rig.Front.RequestProducer, rig.Front.ResponseConsumer);
        Assert.AreEqual(rig.Front.RequestProducer, rig.Back.RequestConsumer);
        Assert.AreEqual(rig.Front.RequestProducer, rig.Back.ResponseProducer);
        Assert.AreEqual(rig.Front.RequestProducer, Volatile.Read(ref rig.SharedRequestProducer));
        Assert.AreEqual(rig.Front.RequestProducer, Volatile.Read(ref rig.SharedResponseProducer));
    }

    [TestMethod]
    public void SizeIsTheLargestPowerOfTwoOfSlotsThatFit()
    {
        using var guest = GuestMemory.Create(64, GuestDomain);
        using var backendPool = AttachBackendView(guest.Pool);
        var mapper = new GrantMapper(backendPool, BackendDomain, GuestDomain);

        for (var order = 0; order <= RingLayout.MaxPageOrder; order++)
        {
            CheckSizeAndFill<Bytes8, Bytes8>(guest, mapper, order);
            CheckSizeAndFill<Bytes12, Bytes8>(guest, mapper, order);
            CheckSizeAndFill<Bytes16, Bytes16>(guest, mapper, order);
            CheckSizeAndFill<Bytes8, Bytes24>(guest, mapper, order);
            CheckSizeAndFill<Bytes100, Bytes100>(guest, mapper, order);
            CheckSizeAndFill<Bytes112, Bytes16>(guest, mapper, order);
            CheckSizeAndFill<Bytes1000, Bytes8>(guest, mapper, order);
            CheckSizeAndFill<Bytes3584, Bytes3584>(guest, mapper, order);
        }

        Assert.AreEqual(0, mapper.MappedCount);
    }

    [TestMethod]
    public void SizeMatchesXenForNetifAndBlkifEntries()
    {
        Assert.AreEqual(256u, RingLayout.SlotCount(0, 12), "netif tx: 12-byte requests, 256 slots as in Xen");
        Assert.AreEqual(32u, RingLayout.SlotCount(0, 112), "blkif: 112-byte requests, 32 slots as in Xen");
        Assert.AreEqual(512u, RingLayout.SlotCount(4, 112), "blkif with ring-page-order 4");
        Assert.AreEqual(1u, RingLayout.SlotCount(0, 3584), "one slot filling the page after the header");
        Assert.AreEqual(2u, RingLayout.SlotCount(1, 3585));
        Assert.AreEqual(16, RingLayout.SlotSize<Bytes8, Bytes16>());
        Assert.AreEqual(112, RingLayout.SlotSize<Bytes112, Bytes16>());
    }

    [TestMethod]
    public void RingThatCannotHoldOneSlotOrHasABadOrderIsRefused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RingLayout.SlotCount(0, 3585));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RingLayout.SlotCount(0, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RingLayout.SlotCount(-1, 16));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RingLayout.SlotCount(RingLayout.MaxPageOrder + 1, 16));

        using var guest = GuestMemory.Create(64, GuestDomain);
        var first = guest.Pages.Allocate(2);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FrontRing<Bytes3585, Bytes8>.Create(guest.Pool, first, 0));
        Assert.AreEqual(2u, FrontRing<Bytes3585, Bytes8>.Create(guest.Pool, first, 1).Size);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FrontRing<Bytes8, Bytes8>.Create(guest.Pool, guest.Pool.Geometry.PageCount - 1, 1), "a ring running past the pool");
    }

    [TestMethod]
    public void RequestNotificationsFollowTheEventIndex()
    {
        const uint Start = 0xFFFF_FFFE; // the event indices wrap too
        using var rig = new Rig(startIndex: Start);

        // SHARED_RING_INIT sets req_event to start + 1: the first push asks for a notification.
        Assert.AreEqual(Start + 1, Volatile.Read(ref rig.SharedRequestEvent));
        Assert.IsTrue(rig.Push(1), "first push, req_event armed by ring initialisation");
        Assert.IsFalse(rig.Push(1), "the consumer has not armed req_event again");
        Assert.IsFalse(rig.Push(2), "still not armed");
        Assert.IsFalse(rig.Front.PushRequests(), "nothing new to publish");

        // A consumer with work left does not arm: the producer stays quiet while it is busy.
        Assert.IsTrue(rig.Back.FinalCheckForRequests());
        Assert.AreEqual(Start + 1, Volatile.Read(ref rig.SharedRequestEvent));
        rig.ConsumeRequests(2);
        Assert.IsTrue(rig.Back.FinalCheckForRequests());
        Assert.IsFalse(rig.Push(1), "suppressed while the consumer still has work");

        // Caught up: the final check arms req_event at req_cons + 1 and finds nothing.
        rig.ConsumeRequests(3);
        Assert.IsFalse(rig.Back.FinalCheckForRequests());
        Assert.AreEqual(unchecked(Start + 6), Volatile.Read(ref rig.SharedRequestEvent));
        Assert.IsFalse(rig.Back.FinalCheckForRequests(), "arming twice changes nothing");
        Assert.IsTrue(rig.Push(1), "exactly one notification after the consumer armed");
        Assert.IsFalse(rig.Push(1));
        Assert.IsFalse(rig.Push(3));

        // A batch that crosses the event index notifies once.
        rig.ConsumeRequests(5);
        Assert.IsFalse(rig.Back.FinalCheckForRequests());
        Assert.IsTrue(rig.Push(4), "batch crossing req_event");
        Assert.IsFalse(rig.Push(1));

        // An event index further on (a consumer that wants to be woken after a few more) is
        // crossed by the push that publishes it, and only by that one.
        rig.ConsumeRequests(5);
        Volatile.Write(ref rig.SharedRequestEvent, rig.Front.RequestProducer + 3);
        Assert.IsFalse(rig.Push(2));
        Assert.IsTrue(rig.Push(2), "this push publishes the index req_event names");
        Assert.IsFalse(rig.Push(2));
    }

    [TestMethod]
    public void ResponseNotificationsFollowTheEventIndex()
    {
        const uint Start = 0x7FFF_FFFD;
        using var rig = new Rig(startIndex: Start);
        rig.Push(12);
        rig.ConsumeRequests(12);

        Assert.AreEqual(Start + 1, Volatile.Read(ref rig.SharedResponseEvent));
        Assert.IsTrue(rig.Answer(1), "first push, rsp_event armed by ring initialisation");
        Assert.IsFalse(rig.Answer(1), "the frontend has not armed rsp_event again");
        Assert.IsFalse(rig.Back.PushResponses(), "nothing new to publish");

        // A frontend with responses left does not arm.
        Assert.IsTrue(rig.Front.FinalCheckForResponses());
        Assert.AreEqual(Start + 1, Volatile.Read(ref rig.SharedResponseEvent));
        Assert.IsFalse(rig.Answer(1), "suppressed while the frontend still has responses to take");

        rig.TakeResponses(3);
        Assert.IsFalse(rig.Front.FinalCheckForResponses());
        Assert.AreEqual(Start + 4, Volatile.Read(ref rig.SharedResponseEvent));
        Assert.IsTrue(rig.Answer(1), "exactly one notification after the frontend armed");
        Assert.IsFalse(rig.Answer(1));

        rig.TakeResponses(2);
        Assert.IsFalse(rig.Front.FinalCheckForResponses());
        Assert.IsTrue(rig.Answer(3), "batch crossing rsp_event");
        Assert.IsFalse(rig.Answer(1));

        rig.TakeResponses(4);
        Volatile.Write(ref rig.SharedResponseEvent, rig.Back.ResponseProducer + 2);
        Assert.IsFalse(rig.Answer(1));
        Assert.IsTrue(rig.Answer(1));
        Assert.IsFalse(rig.Answer(1));
    }

    [TestMethod]
    public void RequestProducerMoreThanARingAheadFaultsTheBackendWithoutThrowing()
    {
        using var rig = new Rig();
        var size = rig.Back.Size;
        Volatile.Write(ref rig.SharedRequestProducer, size + 1);

        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.IsTrue(rig.Back.IsFaulted);
        var fault = rig.Back.Fault!;
        Assert.AreEqual(RingFaultKind.ProducerOverrun, fault.Kind);
        Assert.Contains($"req_prod {size + 1}", fault.Reason);

        // The ring stays stopped even if the guest puts a sane index back.
        Volatile.Write(ref rig.SharedRequestProducer, 1);
        Assert.AreEqual(0, rig.Back.UnconsumedRequests);
        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.IsFalse(rig.Back.FinalCheckForRequests());
        Assert.IsFalse(rig.Back.PushResponses());
        Assert.AreSame(fault, rig.Back.Fault, "the first fault is the one kept");
    }

    [TestMethod]
    public void RequestProducerMovedBackBehindTheConsumerFaultsTheBackend()
    {
        using var rig = new Rig(startIndex: 1000);
        rig.Push(4);
        rig.ConsumeRequests(4);
        Volatile.Write(ref rig.SharedRequestProducer, 1002u);

        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.AreEqual(RingFaultKind.ProducerRewound, rig.Back.Fault?.Kind);
        Assert.Contains("req_prod 1002 moved back behind req_cons 1004", rig.Back.Fault!.Reason);

        // Moved back past what was already answered (a negative distance) is a rewind too.
        using var other = new Rig(startIndex: 1000);
        Volatile.Write(ref other.SharedRequestProducer, 999u);
        Assert.IsFalse(other.Back.TryConsumeRequest(out _));
        Assert.AreEqual(RingFaultKind.ProducerRewound, other.Back.Fault?.Kind);

        // A jump of more than a ring ahead is an overrun.
        using var third = new Rig(startIndex: 1000);
        Volatile.Write(ref third.SharedRequestProducer, 1000u + third.Back.Size + 1);
        Assert.IsFalse(third.Back.TryConsumeRequest(out _));
        Assert.AreEqual(RingFaultKind.ProducerOverrun, third.Back.Fault?.Kind);
    }

    [TestMethod]
    public void FaultedBackendDoesNotHandOutRequestsItHadAlreadySeen()
    {
        using var rig = new Rig();
        rig.Push(4);
        Assert.AreEqual(4, rig.Back.UnconsumedRequests);
        rig.ConsumeRequests(1);

        Volatile.Write(ref rig.SharedRequestProducer, rig.Back.Size + 100);
        var offered = rig.Back.UnconsumedRequests;

        Assert.IsTrue(rig.Back.IsFaulted);
        Assert.AreEqual(0, offered, "a faulted ring still reports requests as unconsumed");
        Assert.IsFalse(rig.Back.TryConsumeRequest(out _), "a faulted ring still hands out requests");
        Assert.IsFalse(rig.Back.FinalCheckForRequests(), "a faulted ring still reports work");
    }

    [TestMethod]
    public void FailStopsTheRingLikeAnIndexFault()
    {
        using var rig = new Rig();
        rig.Push(4);
        rig.ConsumeRequests(1); // the backend has now seen all four

        rig.Back.Fail(RingFaultKind.ProducerOverrun, "request 0 names 99 segments");
        rig.Back.Fail(RingFaultKind.ProducerRewound, "a later complaint");

        Assert.IsTrue(rig.Back.IsFaulted);
        Assert.AreEqual("request 0 names 99 segments", rig.Back.Fault!.Reason, "the first fault is the one kept");
        Assert.IsFalse(rig.Back.TryConsumeRequest(out _), "Fail did not stop the ring: requests seen before it are still handed out");
        Assert.AreEqual(0, rig.Back.UnconsumedRequests);
    }

    [TestMethod]
    public void WriteResponseWithoutAnUnansweredRequestThrows()
    {
        using var rig = new Rig();
        var refused = Assert.ThrowsExactly<InvalidOperationException>(() => rig.Back.WriteResponse(default));
        Assert.Contains("must answer a request", refused.Message);

        rig.Push(1);
        rig.ConsumeRequests(1);
        rig.Back.WriteResponse(new Response { Id = 0 });
        Assert.ThrowsExactly<InvalidOperationException>(() => rig.Back.WriteResponse(default));
        Assert.AreEqual(0, rig.Back.Unanswered);
        Assert.IsTrue(rig.Back.PushResponses());
        Assert.AreEqual(1, rig.Front.UnconsumedResponses, "the refused response was not published");
    }

    [TestMethod]
    public void BackendNeverHoldsMoreThanARingOfUnansweredRequests()
    {
        using var rig = new Rig();
        var size = rig.Back.Size;

        // A hostile frontend publishes exactly a ring's worth by hand: legal, and all of it is taken.
        for (var i = 0u; i < size; i++)
        {
            rig.RequestSlot(i) = new Request { Id = i };
        }

        Volatile.Write(ref rig.SharedRequestProducer, size);
        for (var i = 0u; i < size; i++)
        {
            Assert.IsTrue(rig.Back.TryConsumeRequest(out var request));
            Assert.AreEqual(i, request.Id);
        }

        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.AreEqual((int)size, rig.Back.Unanswered);

        // One answered (not even pushed) frees one slot, and only one.
        rig.Back.WriteResponse(new Response { Id = 0 });
        Volatile.Write(ref rig.SharedRequestProducer, size + 1);
        Assert.IsTrue(rig.Back.TryConsumeRequest(out _));
        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.AreEqual((int)size, rig.Back.Unanswered);
        Assert.IsFalse(rig.Back.IsFaulted);

        // One more than that is a producer running a ring ahead.
        Volatile.Write(ref rig.SharedRequestProducer, size + 2);
        Assert.IsFalse(rig.Back.TryConsumeRequest(out _));
        Assert.AreEqual(RingFaultKind.ProducerOverrun, rig.Back.Fault?.Kind);
        Assert.AreEqual((int)size, rig.Back.Unanswered);
    }

    [TestMethod]
    public void FrontendRefusesToOverfillTheRing()
    {
        using var rig = new Rig();
        var size = (int)rig.Front.Size;
        for (var i = 0; i < size; i++)
        {
            Assert.IsTrue(rig.Front.TryWriteRequest(new Request { Id = (ulong)i }));
        }

        Assert.AreEqual(0, rig.Front.FreeRequests);
        Assert.IsFalse(rig.Front.TryWriteRequest(default));
        var full = Assert.ThrowsExactly<InvalidOperationException>(() => rig.Front.NextRequest());
        Assert.Contains("ring is full", full.Message);
        Assert.AreEqual(size, rig.Front.Outstanding);
    }

    [TestMethod]
    public void FrontendFaultsOnABackendClaimingMoreResponsesThanOutstanding()
    {
        using var rig = new Rig(startIndex: 50);
        rig.Push(2);
        Volatile.Write(ref rig.SharedResponseProducer, 53u);

        Assert.IsFalse(rig.Front.TryTakeResponse(out _));
        Assert.AreEqual(RingFaultKind.ProducerOverrun, rig.Front.Fault?.Kind);
        Assert.Contains("rsp_prod 53 claims more responses than the 2 requests outstanding", rig.Front.Fault!.Reason);
        Assert.AreEqual(0, rig.Front.UnconsumedResponses);
        Assert.IsFalse(rig.Front.FinalCheckForResponses());

        // rsp_prod moved back behind rsp_cons is caught the same way.
        using var other = new Rig(startIndex: 50);
        other.Push(2);
        other.ConsumeRequests(2);
        other.Answer(2);
        other.TakeResponses(2);
        Volatile.Write(ref other.SharedResponseProducer, 51u);
        Assert.IsFalse(other.Front.TryTakeResponse(out _));
        Assert.AreEqual(RingFaultKind.ProducerRewound, other.Front.Fault?.Kind);
    }

    [TestMethod]
    public void ReconnectAtKnownIndicesContinuesTheSequence()
    {
        const uint Start = 0xFFFF_FFF8;
        using var rig = new Rig(startIndex: Start);
        rig.Push(6);
        rig.ConsumeRequests(6);
        rig.Answer(6);
        rig.TakeResponses(6);
        rig.Push(3); // in flight when the backend goes away

        // The backend disconnects; the frontend keeps its ring and its private indices.
        rig.BackQueue.Dispose();
        Assert.AreEqual(0, rig.Mapper.MappedCount);
        var front = FrontRing<Request, Response>.Attach(rig.Guest.Pool, rig.Front.FirstPage, rig.Front.PageOrder, rig.Front.RequestProducer, rig.Front.ResponseConsumer);
        Assert.AreEqual(unchecked(Start + 9), front.RequestProducer);
        Assert.AreEqual(3, front.Outstanding);

        // A new backend maps the ring and starts where responses stopped: the in-flight requests
        // are replayed to it, and the sequence goes on across the wrap.
        using (var mapping = rig.Mapper.MapRing(rig.Queue.Offer.RingRefs))
        {
            var back = BackRing<Request, Response>.Attach(mapping, startIndex: unchecked(Start + 6));
            RoundTrip(front, back, firstId: 6, pushed: 3, more: 5);
        }

        // Once more, this time reading the start from the shared rsp_prod.
        using (var mapping = rig.Mapper.MapRing(rig.Queue.Offer.RingRefs))
        {
            var back = BackRing<Request, Response>.Attach(mapping);
            Assert.AreEqual(front.RequestProducer, back.RequestConsumer);
            RoundTrip(front, back, firstId: 14, pushed: 0, more: 4);
        }

        Assert.AreEqual(unchecked(Start + 18), front.RequestProducer);
        Assert.AreEqual(front.RequestProducer, front.ResponseConsumer);
    }

    [TestMethod]
    public void FrontendAttachRefusesMoreOutstandingThanTheRingHolds()
    {
        using var rig = new Rig();
        var size = rig.Front.Size;
        var pool = rig.Guest.Pool;
        var page = rig.Front.FirstPage;

        Assert.ThrowsExactly<ArgumentException>(() => FrontRing<Request, Response>.Attach(pool, page, 0, requestProducer: size + 1, responseConsumer: 0));
        Assert.ThrowsExactly<ArgumentException>(() => FrontRing<Request, Response>.Attach(pool, page, 0, requestProducer: 5, responseConsumer: 6));
        Assert.AreEqual((int)size, FrontRing<Request, Response>.Attach(pool, page, 0, requestProducer: size + 3, responseConsumer: 3).Outstanding);
    }

    private static void RoundTrip(FrontRing<Request, Response> front, BackRing<Request, Response> back, ulong firstId, int pushed, int more)
    {
        var id = firstId + (ulong)pushed;
        for (var i = 0; i < more; i++)
        {
            front.NextRequest() = new Request { Id = id++ };
        }

        front.PushRequests();
        for (var expected = firstId; expected < id; expected++)
        {
            Assert.IsTrue(back.TryConsumeRequest(out var request));
            Assert.AreEqual(expected, request.Id);
            back.WriteResponse(new Response { Id = request.Id, Status = 1 });
        }

        Assert.IsFalse(back.TryConsumeRequest(out _));
        back.PushResponses();
        for (var expected = firstId; expected < id; expected++)
        {
            Assert.IsTrue(front.TryTakeResponse(out var response));
            Assert.AreEqual(expected, response.Id);
        }

        Assert.IsFalse(front.TryTakeResponse(out _));
        Assert.IsFalse(back.IsFaulted);
        Assert.IsNull(front.Fault);
    }

    /// <summary>
    /// Builds a ring of 2^<paramref name="order"/> pages for the given entry types, checks that both
    /// ends agree on a size that is the largest power of two of slots fitting after the header, then
    /// fills every slot and checks that a canary in the page after the ring survives.
    /// </summary>
    private static void CheckSizeAndFill<TRequest, TResponse>(GuestMemory guest, GrantMapper mapper, int order)
        where TRequest : unmanaged
        where TResponse : unmanaged
    {
        var slot = Math.Max(sizeof(TRequest), sizeof(TResponse));
        var bytes = PoolLayout.PageSize << order;
        var what = $"{slot}-byte slots, order {order}";
        var fit = (bytes - RingLayout.HeaderSize) / slot;
        var expected = 1u;
        while (expected * 2 <= fit)
        {
            expected *= 2;
        }

        Assert.AreEqual(expected, RingLayout.SlotCount(order, slot), what);
        var pages = 1 << order;
        var first = guest.Pages.Allocate(pages + 1);
        var canary = guest.Pool.GetPage(first + pages);
        canary.Fill(0xCC);
        var front = FrontRing<TRequest, TResponse>.Create(guest.Pool, first, order, startIndex: 0xFFFF_FFF0);
        var refs = Enumerable.Range(first, pages).Select(p => guest.Grants.GrantAccess(BackendDomain, p, readOnly: false)).ToArray();
        using (var mapping = mapper.MapRing(refs))
        {
            var back = BackRing<TRequest, TResponse>.Attach(mapping);
            Assert.AreEqual(expected, front.Size, what);
            Assert.AreEqual(expected, back.Size, what);
            Assert.IsLessThanOrEqualTo(bytes, RingLayout.HeaderSize + (int)(front.Size * slot), what);

            for (var i = 0ul; i < front.Size; i++)
            {
                var request = default(TRequest);
                Unsafe.As<TRequest, ulong>(ref request) = i + 1;
                Assert.IsTrue(front.TryWriteRequest(request), what);
            }

            Assert.IsFalse(front.TryWriteRequest(default), what);
            front.PushRequests();
            for (var i = 0ul; i < front.Size; i++)
            {
                Assert.IsTrue(back.TryConsumeRequest(out var request), what);
                Assert.AreEqual(i + 1, Unsafe.As<TRequest, ulong>(ref request), what);
                var response = default(TResponse);
                Unsafe.As<TResponse, ulong>(ref response) = ~(i + 1);
                back.WriteResponse(response);
            }

            Assert.IsFalse(back.TryConsumeRequest(out _), what);
            back.PushResponses();
            for (var i = 0ul; i < front.Size; i++)
            {
                Assert.IsTrue(front.TryTakeResponse(out var response), what);
                Assert.AreEqual(~(i + 1), Unsafe.As<TResponse, ulong>(ref response), what);
            }
        }

        Assert.IsFalse(canary.ContainsAnyExcept((byte)0xCC), $"{what}: the ring wrote past its pages");
        foreach (var gref in refs)
        {
            guest.Grants.EndAccess(gref);
        }

        guest.Pages.Free(first, pages + 1);
    }

    private static GrantPool AttachBackendView(GrantPool guest) =>
        GrantPool.Attach(new SafeFileHandle(Linux.LibC.Dup((int)guest.FileDescriptor.DangerousGetHandle()), ownsHandle: true));

    private struct Request
    {
        public ulong Id;
        public uint Operation;
        public uint Length;
    }

    private struct Response
    {
        public ulong Id;
        public long Status;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 8)]
    private struct Bytes8
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 12)]
    private struct Bytes12
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 16)]
    private struct Bytes16
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 24)]
    private struct Bytes24
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 100)]
    private struct Bytes100
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 112)]
    private struct Bytes112
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 1000)]
    private struct Bytes1000
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 3584)]
    private struct Bytes3584
    {
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1, Size = 3585)]
    private struct Bytes3585
    {
        public ulong Id;
    }

    /// <summary>A guest queue and the backend connected to it, with raw access to the shared header.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly byte* _ring;
        private ulong _nextRequestId;
        private ulong _nextConsumedId;
        private ulong _nextResponseId;
        private ulong _nextTakenId;

        public Rig(int pageOrder = 0, uint startIndex = 0)
        {
            Guest = GuestMemory.Create(64, GuestDomain);
            BackendPool = AttachBackendView(Guest.Pool);
            Mapper = new GrantMapper(BackendPool, BackendDomain, GuestDomain);
            Queue = Guest.CreateQueue<Request, Response>(BackendDomain, pageOrder, startIndex);
            BackQueue = BackQueue<Request, Response>.Connect(Mapper, Queue.Offer);
            _ring = Guest.Pool.PagePointer((uint)Queue.Ring.FirstPage);
        }

        public GuestMemory Guest { get; }

        public GrantPool BackendPool { get; }

        public GrantMapper Mapper { get; }

        public FrontQueue<Request, Response> Queue { get; }

        public BackQueue<Request, Response> BackQueue { get; }

        public FrontRing<Request, Response> Front => Queue.Ring;

        public BackRing<Request, Response> Back => BackQueue.Ring;

        public ref uint SharedRequestProducer => ref Unsafe.AsRef<uint>(_ring + RingLayout.RequestProducerOffset);

        public ref uint SharedRequestEvent => ref Unsafe.AsRef<uint>(_ring + RingLayout.RequestEventOffset);

        public ref uint SharedResponseProducer => ref Unsafe.AsRef<uint>(_ring + RingLayout.ResponseProducerOffset);

        public ref uint SharedResponseEvent => ref Unsafe.AsRef<uint>(_ring + RingLayout.ResponseEventOffset);

        public ref Request RequestSlot(uint index) =>
            ref Unsafe.AsRef<Request>(_ring + RingLayout.HeaderSize + ((index & (Front.Size - 1)) * (uint)RingLayout.SlotSize<Request, Response>()));

        /// <summary>Writes <paramref name="count"/> requests and pushes them; returns whether to notify.</summary>
        public bool Push(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Front.NextRequest() = new Request { Id = _nextRequestId++ };
            }

            return Front.PushRequests();
        }

        public void ConsumeRequests(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.IsTrue(Back.TryConsumeRequest(out var request), "a pushed request is missing");
                Assert.AreEqual(_nextConsumedId++, request.Id);
            }
        }

        /// <summary>Answers <paramref name="count"/> consumed requests and pushes; returns whether to notify.</summary>
        public bool Answer(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Back.WriteResponse(new Response { Id = _nextResponseId++ });
            }

            return Back.PushResponses();
        }

        public void TakeResponses(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.IsTrue(Front.TryTakeResponse(out var response), "a pushed response is missing");
                Assert.AreEqual(_nextTakenId++, response.Id);
            }
        }

        public void Dispose()
        {
            BackendPool.Dispose();
            Guest.Dispose();
        }
    }
}
