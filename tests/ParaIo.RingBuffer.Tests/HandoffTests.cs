using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// The pool handoff over a connected pair of Unix sockets: a good handoff gives the backend a pool
/// and offers it can connect queues with; a malformed one is refused with an exception and leaves
/// no descriptor of the pool open in the receiving process; and BackQueue.Connect checks every
/// number of an offer before it maps anything.
/// </summary>
[TestClass]
public sealed class HandoffTests
{
    private const uint Magic = 0x4F48_4950; // "PIHO"
    private const int MaxMessage = 8 + (64 * (12 + (4 << 4)));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly List<IDisposable> _disposeAfter = [];
    private string _name = null!;
    private GrantPool _pool = null!;
    private GrantTable _grants = null!;
    private PageAllocator _pages = null!;
    private Socket _guestSocket = null!;
    private Socket _backendSocket = null!;

    [TestInitialize]
    public void SetUp()
    {
        _name = $"paraio-handoff-{Guid.NewGuid():N}";
        _pool = GrantPool.Create(16, grantEntries: GrantEntryLayout.EntriesPerPage, eventPorts: 64, name: _name);
        _grants = new GrantTable(_pool, 1);
        _pages = new PageAllocator(_pool);
        (_guestSocket, _backendSocket) = ConnectedPair();
    }

    [TestCleanup]
    public void TearDown()
    {
        foreach (var disposable in _disposeAfter)
        {
            disposable.Dispose();
        }

        _guestSocket.Dispose();
        _backendSocket.Dispose();
        _pool.Dispose();
    }

    private struct Req
    {
        public ulong Id;
        public ulong Value;
    }

    private struct Rsp
    {
        public ulong Id;
        public ulong Result;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 3585)]
    private struct Huge
    {
        public ulong Id;
    }

    [TestMethod]
    public void BackendReceivesAWorkingPoolAndItsOffers()
    {
        const ushort Domain = 4242;
        var name = $"paraio-dom{Domain}";
        using var guest = GuestMemory.Create(64, Domain);
        var small = guest.CreateQueue<Req, Rsp>(backendDomain: 0, pageOrder: 0);
        var large = guest.CreateQueue<Req, Rsp>(backendDomain: 0, pageOrder: 2, startIndex: 0xFFFF_FFFE);
        Assert.AreEqual(1, OpenDescriptors(name));

        PoolHandoff.Send(_guestSocket, guest.Pool, Domain, [small.Offer, large.Offer]);
        var (pool, domain, rings) = Receive();

        using (pool)
        {
            Assert.AreEqual(2, OpenDescriptors(name), "the backend holds its own descriptor of the pool");
            Assert.AreEqual(Domain, domain);
            Assert.AreEqual(guest.Pool.Geometry, pool.Geometry);
            Assert.IsFalse(pool.IsOwner);
            Assert.HasCount(2, rings);
            foreach (var (offered, received) in new[] { small.Offer, large.Offer }.Zip(rings))
            {
                CollectionAssert.AreEqual(offered.RingRefs, received.RingRefs);
                Assert.AreEqual(offered.RequestPort, received.RequestPort);
                Assert.AreEqual(offered.ResponsePort, received.ResponsePort);
                Assert.AreEqual(offered.PageOrder, received.PageOrder);
            }

            var mapper = new GrantMapper(pool, 0, domain);
            using var backSmall = BackQueue<Req, Rsp>.Connect(mapper, rings[0]);
            using var backLarge = BackQueue<Req, Rsp>.Connect(mapper, rings[1]);
            Assert.AreEqual(5, mapper.MappedCount);
            Assert.AreEqual(small.Ring.Size, backSmall.Ring.Size);
            Assert.AreEqual(large.Ring.Size, backLarge.Ring.Size);
            RoundTripWithDoorbells(small, backSmall, 7);
            RoundTripWithDoorbells(large, backLarge, 8);
        }

        Assert.AreEqual(1, OpenDescriptors(name), "disposing the received pool closes its descriptor");
    }

    [TestMethod]
    public void BadMagicIsRefused()
    {
        var message = Message(Ring(0, 1));
        BinaryPrimitives.WriteUInt32LittleEndian(message, Magic ^ 0x0100_0000);
        AssertRefused<InvalidDataException>(message, "bad magic");
    }

    [TestMethod]
    public void RingCountOutsideOneToSixtyFourIsRefused()
    {
        AssertRefused<InvalidDataException>(Message(), "offers 0 rings");

        Reconnect();
        var rings = Enumerable.Range(0, 65).Select(i => Ring(0, (uint)i + 1)).ToArray();
        AssertRefused<InvalidDataException>(Message(rings), "offers 65 rings");
    }

    [TestMethod]
    public void PageOrderAboveFourIsRefused()
    {
        AssertRefused<InvalidDataException>(Message(Ring(5, 1)), "page order 5");
    }

    [TestMethod]
    public void TruncatedOffersAreRefused()
    {
        // Order 2 needs four references; three are sent.
        var ring = Ring(2, 1);
        AssertRefused<InvalidDataException>(Message(ring[..^4]), "ends inside ring 0's grant references");

        // Two rings announced, one sent.
        Reconnect();
        var oneOfTwo = Message(Ring(0, 1));
        BinaryPrimitives.WriteUInt16LittleEndian(oneOfTwo.AsSpan(6), 2);
        AssertRefused<InvalidDataException>(oneOfTwo, "ends inside a ring offer");
    }

    [TestMethod]
    public void TrailingBytesAreRefused()
    {
        AssertRefused<InvalidDataException>([.. Message(Ring(0, 1)), 0, 0, 0, 0], "4 bytes after its last ring");
    }

    [TestMethod]
    public void LengthOutsideTheLimitsIsRefused()
    {
        foreach (var length in new[] { 7, 0, -1, MaxMessage + 1, int.MaxValue })
        {
            SendRaw(length, [], [PoolFd]);
            var refused = ReceiveRefused<InvalidDataException>();
            Assert.Contains($"A handoff of {length} bytes is outside 8..{MaxMessage}", refused.Message);
            AssertNothingLeft();
            Reconnect();
        }
    }

    [TestMethod]
    public void HandoffWithoutADescriptorIsRefused()
    {
        var message = Message(Ring(0, 1));
        SendRaw(message.Length, message, []);
        Assert.Contains("carried no pool descriptor", ReceiveRefused<InvalidDataException>().Message);
        AssertNothingLeft();
    }

    [TestMethod]
    public void HandoffWithTwoDescriptorsIsRefusedAndBothAreClosed()
    {
        var message = Message(Ring(0, 1));
        SendRaw(message.Length, message, [PoolFd, PoolFd]);
        Assert.Contains("more file descriptors than expected", ReceiveRefused<IOException>().Message);
        AssertNothingLeft();
    }

    [TestMethod]
    public void DescriptorThatIsNotAPoolIsRefusedAndClosed()
    {
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        var before = OpenDescriptorsTo("/dev/null");
        var message = Message(Ring(0, 1));
        SendRaw(message.Length, message, [(int)devNull.DangerousGetHandle()]);

        Assert.Contains("not sealed", ReceiveRefused<InvalidDataException>().Message);
        Assert.AreEqual(before, OpenDescriptorsTo("/dev/null"), "the received descriptor was left open");
    }

    [TestMethod]
    public void GuestThatHangsUpMidwayIsRefused()
    {
        _guestSocket.Dispose();
        ReceiveRefused<EndOfStreamException>();

        Reconnect();
        var message = Message(Ring(0, 1));
        SendRaw(message.Length, message[..10], [PoolFd]);
        _guestSocket.Shutdown(SocketShutdown.Send);
        Assert.Contains("in the middle of its handoff", ReceiveRefused<EndOfStreamException>().Message);
        AssertNothingLeft();
    }

    [TestMethod]
    public void SendRefusesAnOfferThatIsNotAPowerOfTwoOfPages()
    {
        var three = new RingOffer([new GrantRef(1), new GrantRef(2), new GrantRef(3)], 0, 1);
        var none = new RingOffer([], 0, 1);

        // Either would go out as a record whose order byte disagrees with its references, which
        // the backend misreads as the start of the next offer.
        Assert.ThrowsExactly<ArgumentException>(() => PoolHandoff.Send(_guestSocket, _pool, 1, [three]));
        Assert.ThrowsExactly<ArgumentException>(() => PoolHandoff.Send(_guestSocket, _pool, 1, [none]));
        Assert.AreEqual(0, _backendSocket.Available, "a malformed handoff was sent");
    }

    [TestMethod]
    public void ConnectRefusesOnePortForBothDirections()
    {
        var (mapper, refs, _) = BackendWithRing();
        var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackQueue<Req, Rsp>.Connect(mapper, new RingOffer(refs, 3, 3)));
        Assert.Contains("Both directions of the queue name event channel port 3", refused.Message);
        Assert.AreEqual(0, mapper.MappedCount);
    }

    [TestMethod]
    public void ConnectRefusesAPortOutsideThePool()
    {
        var (mapper, refs, backendPool) = BackendWithRing();
        var ports = (uint)backendPool.Geometry.EventPorts;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackQueue<Req, Rsp>.Connect(mapper, new RingOffer(refs, ports, 0)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackQueue<Req, Rsp>.Connect(mapper, new RingOffer(refs, 0, ports)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackQueue<Req, Rsp>.Connect(mapper, new RingOffer(refs, uint.MaxValue, 1)));
        Assert.AreEqual(0, mapper.MappedCount);
    }

    [TestMethod]
    public void ConnectRefusesRingGrantsItMayNotMap()
    {
        var (mapper, refs, _) = BackendWithRing();
        var table = _grants;
        var first = _pages.Allocate(2);
        var cases = new (GrantRef[] Refs, GrantError Error)[]
        {
            ([table.GrantAccess(7, first, readOnly: false)], GrantError.WrongDomain),
            ([table.GrantAccess(0, first, readOnly: true)], GrantError.ReadOnly),
            ([GrantRef.Invalid], GrantError.OutOfRange),
            ([new GrantRef(400)], GrantError.NotPermitted),
            ([table.GrantAccess(0, first, readOnly: false), table.GrantAccess(0, first, readOnly: false)], GrantError.BadPage),
            ([table.GrantAccess(0, first, readOnly: false), table.GrantAccess(0, first + 1, readOnly: false), refs[0]], GrantError.OutOfRange),
        };

        foreach (var (offered, error) in cases)
        {
            var refused = Assert.ThrowsExactly<GrantAccessException>(() => BackQueue<Req, Rsp>.Connect(mapper, new RingOffer(offered, 0, 1)));
            Assert.AreEqual(error, refused.Error);
            Assert.AreEqual(0, mapper.MappedCount, $"a refused {error} ring left pages mapped");
        }
    }

    [TestMethod]
    public void ConnectLeavesNothingMappedWhenTheRingCannotHoldOneEntry()
    {
        var (mapper, refs, _) = BackendWithRing();

        // A one-page ring offered for a device whose entries need two pages.
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackQueue<Huge, Huge>.Connect(mapper, new RingOffer(refs, 0, 1)));

        Assert.AreEqual(0, mapper.MappedCount, "the refused ring stays mapped: its busy bit stays set and the guest cannot end access until the backend tears the whole guest down");
    }

    [TestMethod]
    public void FrontQueueDisposeCanBeRetriedOnceTheBackendUnmaps()
    {
        using var guest = GuestMemory.Create(64, 4243);
        var freeGrants = guest.Grants.FreeCount;
        var freePages = guest.Pages.FreePages;
        var queue = guest.CreateQueue<Req, Rsp>(backendDomain: 0, pageOrder: 1);
        using var backendPool = GrantPool.Attach(new SafeFileHandle(LibC.Dup((int)guest.Pool.FileDescriptor.DangerousGetHandle()), ownsHandle: true));
        var mapper = new GrantMapper(backendPool, 0, 4243);

        // The backend still maps the second ring page when the frontend shuts the queue down.
        var second = mapper.Map(queue.Offer.RingRefs[1], GrantAccess.Write);
        var refused = Assert.ThrowsExactly<GrantAccessException>(queue.Dispose);
        Assert.AreEqual(GrantError.StillMapped, refused.Error);

        mapper.Unmap(second);
        var retry = Record(queue.Dispose);

        Assert.AreEqual(freeGrants, guest.Grants.FreeCount, "the retried dispose did not return exactly the queue's grants");
        Assert.AreEqual(freePages, guest.Pages.FreePages, "the retried dispose did not free the ring pages");
        Assert.IsNull(retry, "the retried dispose threw: " + retry?.Message);
        Assert.AreEqual(0u, guest.Events.Allocate().Port, "the queue's ports were not freed");
    }

    private void RoundTripWithDoorbells(FrontQueue<Req, Rsp> front, BackQueue<Req, Rsp> back, ulong id)
    {
        // The backend sleeps on its request port until the frontend's push rings it.
        var woke = false;
        var sleeper = new Thread(() => woke = back.WaitForRequests(TimeSpan.Zero, timeoutMs: 5_000)) { IsBackground = true };
        sleeper.Start();
        var clock = Stopwatch.StartNew();
        while (back.Requests.Sleeps == 0)
        {
            Assert.IsLessThan(Patience, clock.Elapsed, "the backend never went to sleep");
            Thread.Yield();
        }

        front.Ring.NextRequest() = new Req { Id = id, Value = id * 10 };
        front.Push();
        Assert.IsTrue(sleeper.Join(Patience));
        Assert.IsTrue(woke);
        Assert.AreEqual(1, front.Requests.Notifications);

        Assert.IsTrue(back.Ring.TryConsumeRequest(out var request));
        Assert.AreEqual(id, request.Id);
        back.Ring.WriteResponse(new Rsp { Id = request.Id, Result = request.Value + 1 });
        back.Push();
        Assert.IsTrue(front.Responses.IsPending, "the backend's push did not ring the response port");
        Assert.IsTrue(front.WaitForResponses(TimeSpan.Zero, timeoutMs: 1_000));
        Assert.IsTrue(front.Ring.TryTakeResponse(out var response));
        Assert.AreEqual((id * 10) + 1, response.Result);
    }

    /// <summary>The backend's view of this test's pool, with a mapper and one granted ring page.</summary>
    private (GrantMapper Mapper, GrantRef[] Refs, GrantPool BackendPool) BackendWithRing()
    {
        var refs = new[] { _grants.GrantAccess(0, _pages.Allocate(), readOnly: false) };
        var backendPool = GrantPool.Attach(new SafeFileHandle(LibC.Dup(PoolFd), ownsHandle: true));
        _disposeAfter.Add(backendPool);
        return (new GrantMapper(backendPool, 0, 1), refs, backendPool);
    }

    private int PoolFd => (int)_pool.FileDescriptor.DangerousGetHandle();

    /// <summary>A fresh socket pair for the next case, the old one closed.</summary>
    private void Reconnect()
    {
        _guestSocket.Dispose();
        _backendSocket.Dispose();
        (_guestSocket, _backendSocket) = ConnectedPair();
    }

    private void AssertRefused<TException>(byte[] message, string reason)
        where TException : Exception
    {
        SendRaw(message.Length, message, [PoolFd]);
        Assert.Contains(reason, ReceiveRefused<TException>().Message);
        AssertNothingLeft();
    }

    private void AssertNothingLeft() =>
        Assert.AreEqual(1, OpenDescriptors(_name), "the refused handoff left the received pool descriptor open");

    private void SendRaw(int length, byte[] body, int[] fds)
    {
        var lengthBytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(lengthBytes, length);
        FdPassing.Send(_guestSocket, lengthBytes, fds);
        if (body.Length > 0)
        {
            FdPassing.Send(_guestSocket, body, []);
        }
    }

    private (GrantPool Pool, ushort Domain, RingOffer[] Rings) Receive()
    {
        var receive = Task.Run(() => PoolHandoff.Receive(_backendSocket));
        if (Task.WaitAny([receive], Patience) < 0)
        {
            _backendSocket.Shutdown(SocketShutdown.Both);
            Assert.Fail("PoolHandoff.Receive did not return");
        }

        return receive.GetAwaiter().GetResult();
    }

    private TException ReceiveRefused<TException>()
        where TException : Exception
    {
        return Assert.ThrowsExactly<TException>(() =>
        {
            var (pool, _, _) = Receive();
            pool.Dispose();
        });
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static byte[] Message(params byte[][] rings)
    {
        var message = new byte[8 + rings.Sum(r => r.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), (ushort)rings.Length);
        var offset = 8;
        foreach (var ring in rings)
        {
            ring.CopyTo(message, offset);
            offset += ring.Length;
        }

        return message;
    }

    /// <summary>One ring offer record: order, ports 0 and 1, and 2^order references from <paramref name="firstRef"/>.</summary>
    private static byte[] Ring(byte order, uint firstRef)
    {
        var refs = 1 << Math.Min((int)order, 5);
        var ring = new byte[12 + (4 * refs)];
        ring[0] = order;
        BinaryPrimitives.WriteUInt32LittleEndian(ring.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(ring.AsSpan(8), 1);
        for (var i = 0; i < refs; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(ring.AsSpan(12 + (4 * i)), firstRef + (uint)i);
        }

        return ring;
    }

    private static (Socket Guest, Socket Backend) ConnectedPair()
    {
        var path = Path.Combine(Path.GetTempPath(), $"paraio-{Guid.NewGuid():N}.sock");
        var endpoint = new UnixDomainSocketEndPoint(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        try
        {
            listener.Listen(1);
            var guest = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            guest.Connect(endpoint);
            var backend = listener.Accept();
            backend.ReceiveTimeout = (int)Patience.TotalMilliseconds;
            return (guest, backend);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int OpenDescriptors(string memfdName) => OpenFiles.DescriptorsTo(OpenFiles.Memfd(memfdName));

    private static int OpenDescriptorsTo(string target) => OpenFiles.DescriptorsTo(target);
}
