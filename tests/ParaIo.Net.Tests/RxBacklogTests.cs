using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Net;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Net.Tests;

/// <summary>
/// Frames for a guest with too few rx buffers posted wait in a bounded backlog and arrive whole
/// and in order once it posts; beyond the bound they are dropped and counted; a guest that posts
/// nothing has its backlog dropped after the stall timeout; the storage never grows.
/// </summary>
[TestClass]
public sealed class RxBacklogTests
{
    [TestMethod]
    public async Task BurstBeyondPostedBuffersArrivesWholeAndInOrder()
    {
        await using var rig = new NetRig();
        var (guest, back) = ConnectGuest(rig, 4);
        var source = rig.AddCapture("uplink");
        guest.Post(8);

        // About 300 KiB: far more than 8 buffers hold, well inside the 512 KiB backlog; some GSO.
        var sent = new List<(byte[] Bytes, FrameOffload Offload)>();
        var random = new Random(7);
        for (var i = 0; i < 40; i++)
        {
            var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), random.Next(60, 16_000), i);
            var offload = i % 5 == 0 ? new FrameOffload(true, false, FrameGso.TcpV4, 1448) : default;
            sent.Add((frame, offload));
            source.Inject(frame, offload: offload);
        }

        Assert.IsTrue(back.Counters.RxBacklogged > 0);

        // Newer frames keep coming while the backlog drains: none may overtake a waiting one.
        var received = new List<RawRxGuest.Frame>();
        var deadline = Environment.TickCount64 + (long)Waits.Limit.TotalMilliseconds;
        var more = 0;
        while (received.Count < 50 && Environment.TickCount64 < deadline)
        {
            if (more < 10)
            {
                var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 3000 + more, 1000 + more);
                sent.Add((frame, default));
                source.Inject(frame);
                more++;
            }

            guest.Take(received, repost: true);
            Thread.Sleep(1);
        }

        Assert.AreEqual(sent.Count, received.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            CollectionAssert.AreEqual(sent[i].Bytes, received[i].Bytes, $"frame {i}");
            Assert.AreEqual(sent[i].Offload.Gso == FrameGso.TcpV4, received[i].Gso == NetifGsoType.TcpV4, $"frame {i} GSO");
            Assert.AreEqual(sent[i].Offload.ChecksumBlank, (received[i].Flags & NetRxFlags.ChecksumBlank) != 0, $"frame {i} checksum");
        }

        Assert.AreEqual(0, back.Counters.RxDroppedTotal);
        Assert.AreEqual(sent.Count, back.Counters.RxFrames);
        Assert.AreEqual(0, back.RxBacklogFrames);
        Assert.AreEqual(0, back.Port.Counters.TxDropped);
    }

    [TestMethod]
    public async Task WithoutABacklogTheSameBurstLosesFrames()
    {
        // The control: the burst test above must be able to fail.
        await using var rig = new NetRig(new NetBackendOptions { RxBacklogBytes = 0 });
        var (guest, back) = ConnectGuest(rig, 4);
        var source = rig.AddCapture("uplink");
        guest.Post(8);
        for (var i = 0; i < 40; i++)
        {
            source.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 8000, i));
        }

        Assert.IsTrue(back.Counters.RxDropped(NetRxDrop.NoBuffers) >= 36);
        Assert.AreEqual(0, back.Counters.RxBacklogged);
    }

    [TestMethod]
    public async Task BeyondTheBacklogFramesAreDroppedAndCountedAndTheBackendCarriesOn()
    {
        await using var rig = new NetRig(new NetBackendOptions { RxBacklogBytes = 64 * 1024, RxBacklogFrames = 16 });
        var (guest, back) = ConnectGuest(rig, 8);
        var source = rig.AddCapture("uplink");

        // Nothing posted. By bytes: 8 of 8000 bytes fit in 64 KiB, the other 22 do not.
        var sent = new List<byte[]>();
        for (var i = 0; i < 30; i++)
        {
            var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 8000, i);
            sent.Add(frame);
            source.Inject(frame);
        }

        Assert.AreEqual(8, back.Counters.RxBacklogged);
        Assert.AreEqual(22, back.Counters.RxDropped(NetRxDrop.BacklogFull));
        Assert.AreEqual(22, back.Port.Counters.TxDropped);
        Assert.AreEqual(8, back.RxBacklogFrames);

        var received = guest.Receive(8, post: 16); // two buffers a frame: none left posted after
        for (var i = 0; i < 8; i++)
        {
            CollectionAssert.AreEqual(sent[i], received[i].Bytes, $"frame {i}");
        }

        // By frames: 16 small ones wait, the 17th and later are dropped.
        for (var i = 0; i < 20; i++)
        {
            source.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 100, 100 + i));
        }

        Assert.AreEqual(24, back.Counters.RxBacklogged);
        Assert.AreEqual(26, back.Counters.RxDropped(NetRxDrop.BacklogFull));

        // And the vif carries on: what waited arrives, then new frames pass straight through.
        Assert.AreEqual(16, guest.Receive(16, post: 16).Count);
        Assert.IsTrue(Waits.Until(() => back.RxBacklogFrames == 0));
        guest.Post(1);
        var late = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 1500, 999);
        source.Inject(late);
        CollectionAssert.AreEqual(late, guest.Receive(1, post: 0)[0].Bytes);
        Assert.AreEqual(24, back.Counters.RxBacklogged); // it did not wait
        Assert.IsNull(back.FailureReason);
    }

    [TestMethod]
    public async Task BacklogStorageStaysBoundedOverManyBursts()
    {
        const int Bound = 128 * 1024;
        await using var rig = new NetRig(new NetBackendOptions { RxBacklogBytes = Bound });
        var (guest, back) = ConnectGuest(rig, 8);
        var source = rig.AddCapture("uplink");
        Assert.AreEqual(0, back.RxBacklogStorageBytes); // nothing rented while nothing waits

        var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 9000, 1);
        var delivered = 0L;
        for (var round = 0; round < 50; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 40; i++)
            {
                source.Inject(frame);
            }

            // The bridge's thread copies frames into the backlog without allocating (the first
            // round's rent allocates the pooled storage; later rounds find it in the pool).
            if (round > 0)
            {
                Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before, $"round {round}");
            }

            Assert.IsTrue(back.RxBacklogStorageBytes is > 0 and <= Bound, $"round {round}: {back.RxBacklogStorageBytes}");
            delivered += guest.Receive(14, post: 42).Count; // 14 of 9000 bytes fit in 128 KiB, 3 buffers each
            Assert.IsTrue(Waits.Until(() => back.RxBacklogFrames == 0));
            Assert.AreEqual(0, back.RxBacklogStorageBytes, "a backlog that emptied returns its storage");
        }

        Assert.AreEqual(50 * 14, delivered);
        Assert.AreEqual(50 * 14, back.Counters.RxBacklogged);
        Assert.AreEqual(50 * 26, back.Counters.RxDropped(NetRxDrop.BacklogFull));
        Assert.IsTrue(back.RxBacklogStorageBytes <= Bound);
    }

    [TestMethod]
    public async Task AGuestThatPostsNothingHasItsBacklogDroppedAfterTheStallTimeout()
    {
        await using var rig = new NetRig(new NetBackendOptions { RxStallTimeout = TimeSpan.FromMilliseconds(200) });
        var (guest, back) = ConnectGuest(rig, 4);
        var source = rig.AddCapture("uplink");
        for (var i = 0; i < 5; i++)
        {
            source.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 1000, i));
        }

        Assert.AreEqual(5, back.RxBacklogFrames);
        Assert.IsTrue(Waits.Until(() => back.Counters.RxDropped(NetRxDrop.Stalled) == 5));
        Assert.AreEqual(0, back.RxBacklogFrames);

        // The guest wakes up later: new frames reach it.
        var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(100), 1000, 77);
        guest.Post(1);
        source.Inject(frame);
        CollectionAssert.AreEqual(frame, guest.Receive(1, post: 0)[0].Bytes);
        Assert.IsNull(back.FailureReason);
    }

    private static (RawRxGuest Guest, NetBackendDevice Back) ConnectGuest(NetRig rig, ushort domain)
    {
        var memory = rig.GuestOf(domain).Memory;
        var raw = new RawNetFrontend(memory, persistent: true);
        var keys = new Dictionary<string, string>(raw.Keys) { [NetKeys.FeatureGsoTcpV4] = "1" };
        var back = rig.ConnectBackend(rig.GuestOf(domain), new DeviceAddress(domain, NetifProtocol.DeviceType, 0), keys);
        return (new RawRxGuest(raw, memory), back);
    }

    /// <summary>A guest that posts rx buffers only when a test says so and reassembles what it gets.</summary>
    private sealed class RawRxGuest
    {
        private const int Buffers = 256;
        private readonly RawNetFrontend _raw;
        private readonly ParaIo.RingBuffer.Handoff.GuestMemory _memory;
        private readonly int _firstPage;
        private readonly GrantRef[] _grants = new GrantRef[Buffers];
        private readonly Queue<int> _free = new();
        private readonly List<int> _held = [];
        private readonly MemoryStream _bytes = new();
        private NetRxFlags _flags;
        private NetifGsoType _gso;
        private bool _expectExtra;
        private bool _first = true;
        private bool _dataDone;

        public RawRxGuest(RawNetFrontend raw, ParaIo.RingBuffer.Handoff.GuestMemory memory)
        {
            _raw = raw;
            _memory = memory;
            _firstPage = memory.Pages.Allocate(Buffers);
            for (var i = 0; i < Buffers; i++)
            {
                _grants[i] = memory.Grants.GrantAccess(0, _firstPage + i, readOnly: false);
                _free.Enqueue(i);
            }
        }

        public void Post(int count)
        {
            var ring = _raw.Rx.Ring;
            for (var i = 0; i < count && _free.Count > 0 && ring.FreeRequests > 0; i++)
            {
                var buffer = _free.Dequeue();
                ring.NextRequest() = new NetifRxRequest { Id = (ushort)buffer, Gref = _grants[buffer].Value };
            }

            _raw.Rx.Push(); // notifies only if the backend armed req_event, as a real frontend does
        }

        /// <summary>Takes the responses there are; with <paramref name="repost"/>, posts every free buffer again.</summary>
        public void Take(List<Frame> into, bool repost)
        {
            var returned = 0;
            while (_raw.Rx.Ring.TryTakeResponse(out var response))
            {
                _held.Add(response.Id);
                returned++;
                if (_expectExtra)
                {
                    ref var extra = ref NetifProtocol.AsExtraInfo(ref response);
                    _gso = extra.GsoType;
                    _expectExtra = false;
                }
                else
                {

                    if (_first)
                    {
                        _flags = response.Flags;
                        _expectExtra = (response.Flags & NetRxFlags.ExtraInfo) != 0;
                        _first = false;
                    }

                    Assert.IsTrue(response.Status > 0, $"rx status {response.Status}");
                    _bytes.Write(_memory.Pool.GetPage(_firstPage + response.Id).Slice(response.Offset, response.Status));
                    _dataDone = (response.Flags & NetRxFlags.MoreData) == 0;
                }

                if (_dataDone && !_expectExtra)
                {
                    _dataDone = false;
                    into.Add(new Frame(_bytes.ToArray(), _flags, _gso));
                    _bytes.SetLength(0);
                    _gso = NetifGsoType.None;
                    _first = true;
                    foreach (var buffer in _held)
                    {
                        _free.Enqueue(buffer);
                    }

                    _held.Clear();
                }
            }

            if (repost && returned > 0)
            {
                Post(_free.Count);
            }
        }

        /// <summary>Posts <paramref name="post"/> buffers (no more), then takes until <paramref name="count"/> frames arrived.</summary>
        public List<Frame> Receive(int count, int post)
        {
            Post(post);
            var frames = new List<Frame>();
            Assert.IsTrue(
                Waits.Until(() =>
                {
                    Take(frames, repost: false);
                    return frames.Count >= count;
                }),
                $"received {frames.Count} of {count}");
            return frames;
        }

        public sealed record Frame(byte[] Bytes, NetRxFlags Flags, NetifGsoType Gso);
    }
}
