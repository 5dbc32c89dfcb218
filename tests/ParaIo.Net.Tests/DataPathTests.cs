using System.Buffers.Binary;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Net;
using ParaIo.Frontend.Devices;
using ParaIo.Frontend.Net;
using ParaIo.Protocol.Net;

namespace ParaIo.Net.Tests;

/// <summary>Guest to guest through NetFront, NetBack and the bridge: bytes, offloads, flooding, learning, drops, queues, reconnects.</summary>
[TestClass]
public sealed class DataPathTests
{
    [TestMethod]
    public async Task RandomSizedFramesArriveBitExactBothWays()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        const int Count = 150;
        var sent12 = new List<byte[]>();
        var sent21 = new List<byte[]>();
        var random = new Random(42);
        for (var i = 0; i < Count; i++)
        {
            var size = i % 3 == 0 ? random.Next(60, 1515) : random.Next(60, NetifProtocol.MaxFrameSize + 1);
            var a = Frames.Build(two.Mac, one.Mac, size, i);
            var b = Frames.Build(one.Mac, two.Mac, random.Next(60, NetifProtocol.MaxFrameSize + 1), -i - 1);
            sent12.Add(a);
            sent21.Add(b);
        }

        // Both directions at once, each with a small window so the receivers' rings never run dry.
        var t12 = Task.Run(() => Pump(one, two, sent12));
        var t21 = Task.Run(() => Pump(two, one, sent21));
        var got2 = await t12.Within();
        var got1 = await t21.Within();
        for (var i = 0; i < Count; i++)
        {
            CollectionAssert.AreEqual(sent12[i], got2[i], $"frame {i} 1→2 ({sent12[i].Length} bytes)");
            CollectionAssert.AreEqual(sent21[i], got1[i], $"frame {i} 2→1 ({sent21[i].Length} bytes)");
        }

        Assert.AreEqual(Count, one.Back.Counters.TxFrames);
        Assert.AreEqual(sent12.Sum(f => (long)f.Length), one.Back.Counters.TxBytes);
        Assert.AreEqual(Count, two.Back.Counters.RxFrames);
        Assert.AreEqual(0, one.Back.Counters.MalformedTotal + two.Back.Counters.RxDroppedTotal + one.Back.Counters.RxDroppedTotal);
        Assert.IsGreaterThan(0, one.Back.PersistentGrants, "the frontend's buffers stay mapped");
        Assert.IsTrue(Waits.Until(() => one.Front.FreeTxPages == one.Front.TxPageCount), "every tx page comes back");
    }

    [TestMethod]
    public async Task BroadcastReachesEveryOtherPortAndUnicastOnlyTheLearnedOne()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var three = rig.Connect(3);
        var tap = rig.AddCapture("uplink");
        var hello = Frames.Build(MacAddress.Broadcast, one.Mac, 60, 1);
        one.Front.Send(hello);
        CollectionAssert.AreEqual(hello, two.Next().Bytes);
        CollectionAssert.AreEqual(hello, three.Next().Bytes);
        Assert.IsTrue(Waits.Until(() => tap.Received.Count == 1));
        Assert.IsTrue(one.Silent(50), "not back to the source");

        var reply = Frames.Build(one.Mac, two.Mac, 100, 2);
        two.Front.Send(reply);
        CollectionAssert.AreEqual(reply, one.Next().Bytes);
        var unicast = Frames.Build(two.Mac, one.Mac, 200, 3);
        one.Front.Send(unicast);
        CollectionAssert.AreEqual(unicast, two.Next().Bytes);
        Assert.IsTrue(three.Silent(), "learned: not flooded to guest 3");
        Assert.AreEqual(1, tap.Received.Count);
    }

    [TestMethod]
    public async Task VlanIsolatesVifs()
    {
        await using var rig = new NetRig();
        var red1 = rig.Connect(1, settings: new Dictionary<string, string> { ["vlan"] = "10" });
        var red2 = rig.Connect(2, settings: new Dictionary<string, string> { ["vlan"] = "10" });
        var blue = rig.Connect(3, settings: new Dictionary<string, string> { ["vlan"] = "20" });
        var trunk = rig.AddCapture("trunk", vlan: VlanConfig.Trunk([10, 20]));
        var frame = Frames.Build(MacAddress.Broadcast, red1.Mac, 64, 1);
        red1.Front.Send(frame);
        CollectionAssert.AreEqual(frame, red2.Next().Bytes);
        Assert.IsTrue(Waits.Until(() => !trunk.Received.IsEmpty));
        CollectionAssert.AreEqual(Frames.Tagged(frame, 10), trunk.Drain().Single());
        Assert.IsTrue(blue.Silent());

        var tagged = Frames.Tagged(Frames.Build(MacAddress.Broadcast, Frames.Mac(7), 80, 2), 20);
        trunk.Inject(tagged);
        CollectionAssert.AreEqual(Frames.Build(MacAddress.Broadcast, Frames.Mac(7), 80, 2), blue.Next().Bytes, "untagged at the access vif");
        Assert.IsTrue(red1.Silent() && red2.Silent());
    }

    [TestMethod]
    public async Task GsoAndChecksumMetadataCrossIntact()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var tap = rig.AddCapture("uplink");
        var frame = Frames.Build(two.Mac, one.Mac, 60_000, 5);
        one.Front.Send(frame, new NetTxOffload(ChecksumBlank: true, Gso: NetifGsoType.TcpV4, GsoSize: 1448));
        var got = two.Next();
        CollectionAssert.AreEqual(frame, got.Bytes);
        Assert.AreEqual(NetifGsoType.TcpV4, got.Gso);
        Assert.AreEqual((ushort)1448, got.GsoSize);
        Assert.IsTrue(got.ChecksumBlank);
        Assert.IsTrue(got.DataValidated);
        Assert.IsTrue(Waits.Until(() => !tap.Received.IsEmpty));
        tap.Received.TryDequeue(out var seen);
        Assert.AreEqual(new FrameOffload(true, false, FrameGso.TcpV4, 1448), seen.Offload);
        Assert.AreEqual(1, one.Back.Counters.TxGsoFrames);
        Assert.AreEqual(1, two.Back.Counters.RxGsoFrames);

        var v6 = Frames.Build(two.Mac, one.Mac, 9000, 6);
        one.Front.Send(v6, new NetTxOffload(DataValidated: true, Gso: NetifGsoType.TcpV6, GsoSize: 8940));
        got = two.Next();
        CollectionAssert.AreEqual(v6, got.Bytes);
        Assert.AreEqual(NetifGsoType.TcpV6, got.Gso);
        Assert.AreEqual((ushort)8940, got.GsoSize);
        Assert.IsFalse(got.ChecksumBlank);
        Assert.IsTrue(got.DataValidated);
    }

    [TestMethod]
    public async Task NoPostedBuffersWithoutBacklogDropsAndCountsWhileOthersCarryOn()
    {
        await using var rig = new NetRig(new NetBackendOptions { RxBacklogBytes = 0 });
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var (_, starved) = rig.ConnectRaw(3); // posts no rx buffers at all
        for (var i = 0; i < 5; i++)
        {
            var frame = Frames.Build(MacAddress.Broadcast, one.Mac, 60 + i, i);
            one.Front.Send(frame);
            CollectionAssert.AreEqual(frame, two.Next().Bytes);
        }

        Assert.IsTrue(Waits.Until(() => starved.Counters.RxDropped(NetRxDrop.NoBuffers) == 5));
        Assert.AreEqual(5, starved.Port.Counters.TxDropped);
        Assert.IsNull(starved.FailureReason);
        Assert.IsNull(one.Back.FailureReason);
    }

    [TestMethod]
    public async Task FramesSpreadOverQueuesByFlow()
    {
        await using var rig = new NetRig();
        var options = new NetFrontendOptions { Queues = 2, RxPages = 64, TxPages = 64 };
        var one = rig.Connect(1, options: options);
        var two = rig.Connect(2, options: options);
        Assert.AreEqual(2, one.Back.QueueCount);
        Assert.AreEqual(2, one.Front.QueueCount);
        var sent = new List<byte[]>();
        for (var flow = 0; flow < 16; flow++)
        {
            var frame = Frames.Build(two.Mac, one.Mac, 120, flow);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
            frame[14] = 0x45;
            frame[23] = 17; // UDP
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(26), 0x0A000001);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(30), 0x0A000002);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34), (ushort)(1000 + flow));
            sent.Add(frame);
            one.Front.Send(frame);
        }

        var got = Enumerable.Range(0, sent.Count).Select(_ => two.Next()).ToList();
        foreach (var frame in sent)
        {
            Assert.IsTrue(got.Any(g => g.Bytes.AsSpan().SequenceEqual(frame)));
        }

        Assert.AreEqual(2, got.Select(g => g.Queue).Distinct().Count(), "both rx queues carry flows");
        foreach (var g in got)
        {
            Assert.AreEqual(NetifFlowHash.Queue(g.Bytes, 2), g.Queue, "a flow's rx queue is its hash's");
        }
    }

    [TestMethod]
    public async Task DeviceIsSetUpAgainAfterTheBackendGoesAway()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1, options: new NetFrontendOptions { TxPages = 32, RxPages = 32 });
        var two = rig.Connect(2);
        one.Front.Send(Frames.Build(two.Mac, one.Mac, 60, 1));
        two.Next();

        await rig.DisconnectAsync(one.Back);
        // Frames to a backend that is gone are lost, and a sender that runs out of pages blocks...
        var blocked = Task.Run(() =>
        {
            while (true)
            {
                one.Front.Send(Frames.Build(two.Mac, one.Mac, 5000, 2));
            }
        });
        Assert.IsTrue(Waits.Until(() => one.Front.FreeTxPages < 2));
        // ...until the agent disposes the device: the sender fails instead of hanging.
        one.Front.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => blocked.Within());

        var guest = rig.GuestOf(1);
        var again = one.Driver.ConnectNet(new FrontendConnectContext(NetifProtocol.DeviceType, 0, guest.Memory, rig.Driver.BackendKeys(one.Back.Address, new Dictionary<string, string>())));
        var back = rig.ConnectBackend(guest, one.Back.Address, again.PublishedKeys);
        Assert.AreSame(again, one.Driver.Device);
        var frame = Frames.Build(two.Mac, one.Mac, 3000, 3);
        again.Send(frame);
        CollectionAssert.AreEqual(frame, two.Next().Bytes);
        var back2 = Frames.Build(one.Mac, two.Mac, 70, 4);
        two.Front.Send(back2);
        CollectionAssert.AreEqual(back2, one.Next().Bytes, "the driver's receiver serves the new device");
        await rig.DisconnectAsync(back);
        again.Dispose();
    }

    /// <summary>Sends every frame, keeping at most a few in flight, and returns what the peer received.</summary>
    private static List<byte[]> Pump(Vif from, Vif to, List<byte[]> frames)
    {
        var got = new List<byte[]>();
        foreach (var frame in frames)
        {
            from.Front.Send(frame);
            while (got.Count < frames.IndexOf(frame) - 2)
            {
                got.Add(to.Next().Bytes);
            }
        }

        while (got.Count < frames.Count)
        {
            got.Add(to.Next().Bytes);
        }

        return got;
    }
}
