using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;

namespace ParaIo.Net.Tests;

/// <summary>The learning switch alone, with capture ports: learning, flooding, aging, VLANs, port removal, snapshots.</summary>
[TestClass]
public sealed class BridgeTests
{
    [TestMethod]
    public async Task BroadcastFloodsEveryPortButTheSource()
    {
        await using var rig = new NetRig();
        var ports = Enumerable.Range(0, 4).Select(i => rig.AddCapture($"p{i}")).ToArray();
        var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 60, 1);
        ports[0].Inject(frame);
        Assert.IsEmpty(ports[0].Drain());
        foreach (var port in ports[1..])
        {
            CollectionAssert.AreEqual(frame, port.Drain().Single());
        }

        Assert.AreEqual(1, ports[0].Counters.Flooded);
        Assert.AreEqual(1, ports[0].Counters.RxFrames);
        Assert.AreEqual(1, ports[3].Counters.TxFrames);
    }

    [TestMethod]
    public async Task LearnedUnicastGoesToOnePortOnly()
    {
        await using var rig = new NetRig();
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b");
        var c = rig.AddCapture("c");
        // Unknown destination: flooded. B answers: now A is known, and B is learned.
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 64, 1));
        Assert.HasCount(1, b.Drain());
        Assert.HasCount(1, c.Drain());
        b.Inject(Frames.Build(Frames.Mac(1), Frames.Mac(2), 64, 2));
        Assert.HasCount(1, a.Drain());
        Assert.IsEmpty(c.Drain(), "a learned destination is not flooded");
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 64, 3));
        Assert.HasCount(1, b.Drain());
        Assert.IsEmpty(c.Drain());
        Assert.AreEqual(1, b.Counters.Flooded + a.Counters.Flooded);
    }

    [TestMethod]
    public async Task AgedEntriesAreFloodedAgain()
    {
        await using var rig = new NetRig();
        var bridge = rig.Bridges.GetOrCreate("br0");
        bridge.AgingTime = TimeSpan.FromSeconds(30);
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b");
        var c = rig.AddCapture("c");
        b.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(2), 60, 1)); // B announces itself
        a.Drain();
        c.Drain();
        rig.Clock.Advance(TimeSpan.FromSeconds(29));
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 60, 2));
        Assert.HasCount(1, b.Drain());
        Assert.IsEmpty(c.Drain(), "still fresh at 29 s");
        rig.Clock.Advance(TimeSpan.FromSeconds(31));
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 60, 3));
        Assert.HasCount(1, b.Drain());
        Assert.HasCount(1, c.Drain(), "aged out at 60 s: flooded again");
        Assert.AreEqual(0, bridge.Sweep(), "A's entry was refreshed at 60 s; B's went at its lookup");
        rig.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.AreEqual(1, bridge.Sweep());
        Assert.AreEqual(0, bridge.AddressCount);
    }

    [TestMethod]
    public async Task StationMovesToANewPort()
    {
        await using var rig = new NetRig();
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b");
        var c = rig.AddCapture("c");
        b.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(2), 60, 1));
        c.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(2), 60, 2)); // the station moved to C
        a.Drain();
        b.Drain();
        c.Drain();
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 60, 3));
        Assert.IsEmpty(b.Drain());
        Assert.HasCount(1, c.Drain());
    }

    [TestMethod]
    public async Task AccessPortsOnDifferentVlansNeverSeeEachOther()
    {
        await using var rig = new NetRig();
        var red1 = rig.AddCapture("red1", vlan: VlanConfig.Access(10));
        var red2 = rig.AddCapture("red2", vlan: VlanConfig.Access(10));
        var blue = rig.AddCapture("blue", vlan: VlanConfig.Access(20));
        red1.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 60, 1));
        red1.Inject(Frames.Build(Frames.Mac(9), Frames.Mac(1), 60, 2));
        blue.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(3), 60, 3));
        Assert.HasCount(2, red2.Drain());
        Assert.IsEmpty(blue.Drain());
        Assert.IsEmpty(red1.Drain());
        // The same MAC may exist on both VLANs: learned per VLAN.
        blue.Inject(Frames.Build(Frames.Mac(1), Frames.Mac(1), 60, 4));
        Assert.IsEmpty(red1.Drain());
        Assert.IsEmpty(red2.Drain());
    }

    [TestMethod]
    public async Task TrunkTagsAndUntags()
    {
        await using var rig = new NetRig();
        var access = rig.AddCapture("access", vlan: VlanConfig.Access(10));
        var other = rig.AddCapture("other", vlan: VlanConfig.Access(30));
        var trunk = rig.AddCapture("trunk", vlan: VlanConfig.Trunk([10, 20]));
        var untagged = Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 100, 1);
        access.Inject(untagged, split: 7);
        CollectionAssert.AreEqual(Frames.Tagged(untagged, 10), trunk.Drain().Single(), "tag inserted at the trunk");

        var fromTrunk = Frames.Build(MacAddress.Broadcast, Frames.Mac(2), 100, 2);
        trunk.Inject(Frames.Tagged(fromTrunk, 10), split: 13);
        CollectionAssert.AreEqual(fromTrunk, access.Drain().Single(), "tag stripped at the access port");

        trunk.Inject(Frames.Tagged(fromTrunk, 30));
        Assert.IsEmpty(other.Drain(), "VLAN 30 is not allowed on the trunk");
        Assert.AreEqual(1, trunk.Counters.RxDropped);

        access.Inject(Frames.Tagged(untagged, 10));
        Assert.IsEmpty(trunk.Drain(), "a tagged frame at an access port is dropped");
        Assert.AreEqual(1, access.Counters.RxDropped);

        trunk.Inject(fromTrunk);
        Assert.IsEmpty(access.Drain(), "untagged at a trunk without a native VLAN is dropped");
    }

    [TestMethod]
    public async Task NativeVlanCrossesTheTrunkUntagged()
    {
        await using var rig = new NetRig();
        var access = rig.AddCapture("access", vlan: VlanConfig.Access(1));
        var trunk = rig.AddCapture("trunk", vlan: VlanConfig.Trunk([10], nativeVlan: 1));
        var frame = Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 80, 1);
        access.Inject(frame);
        CollectionAssert.AreEqual(frame, trunk.Drain().Single());
        trunk.Inject(frame);
        CollectionAssert.AreEqual(frame, access.Drain().Single());
    }

    [TestMethod]
    public async Task RemovedPortTakesItsAddressesAlong()
    {
        await using var rig = new NetRig();
        var bridge = rig.Bridges.GetOrCreate("br0");
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b");
        var c = rig.AddCapture("c");
        b.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(2), 60, 1));
        c.Drain();
        Assert.AreEqual(1, bridge.AddressCount);
        Assert.IsTrue(bridge.RemovePort(b));
        Assert.AreEqual(0, bridge.AddressCount);
        a.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 60, 2));
        Assert.IsEmpty(b.Drain());
        Assert.HasCount(1, c.Drain(), "unknown again: flooded to the ports left");
        Assert.IsFalse(bridge.RemovePort(b));
    }

    [TestMethod]
    public async Task SnapshotShowsPortsCountersAndAddresses()
    {
        await using var rig = new NetRig();
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b", bridge: "br1", vlan: VlanConfig.Trunk([5, 6], 1));
        a.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 60, 1));
        var all = rig.Bridges.Snapshot();
        CollectionAssert.AreEqual(new[] { "br0", "br1" }, all.Select(s => s.Name).ToArray());
        var br0 = all[0];
        Assert.AreEqual("a", br0.Ports.Single().Name);
        Assert.AreEqual(1, br0.Ports.Single().RxFrames);
        Assert.AreEqual(Frames.Mac(1), br0.Addresses.Single().Mac);
        Assert.AreEqual("trunk 1,5,6 native 1", all[1].Ports.Single().Vlan);
        Assert.IsFalse(rig.Bridges.TryRemove("br0"));
        _ = b;
    }

    [TestMethod]
    public async Task RefusingPortCountsDrops()
    {
        await using var rig = new NetRig();
        var a = rig.AddCapture("a");
        var b = rig.AddCapture("b");
        b.Refuse = true;
        a.Inject(Frames.Build(MacAddress.Broadcast, Frames.Mac(1), 60, 1));
        Assert.AreEqual(1, b.Counters.TxDropped);
        Assert.AreEqual(0, b.Counters.TxFrames);
    }

    [TestMethod]
    public async Task PortsForwardFromManyThreadsAtOnce()
    {
        await using var rig = new NetRig();
        var ports = Enumerable.Range(0, 4).Select(i => rig.AddCapture($"p{i}")).ToArray();
        const int PerPort = 2000;
        var threads = ports.Select((port, i) => new Thread(() =>
        {
            for (var n = 0; n < PerPort; n++)
            {
                // Each port talks to the next one's station; everyone learns everyone.
                port.Inject(Frames.Build(Frames.Mac(((i + 1) % 4) + 1), Frames.Mac(i + 1), 60, n));
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        var delivered = ports.Sum(p => p.Counters.TxFrames);
        Assert.AreEqual(4 * PerPort, ports.Sum(p => p.Counters.RxFrames));
        Assert.IsGreaterThanOrEqualTo(4 * PerPort, delivered);
        foreach (var (port, i) in ports.Select((p, i) => (p, i)))
        {
            // Frames for station i+1 arrive only at port i once learned; none at the sender.
            Assert.IsTrue(port.Drain().All(f => new MacAddress(Frames.Mac(i + 1).Value) == MacAddress.Read(f) || MacAddress.Read(f).Value != Frames.Mac(((i + 1) % 4) + 1).Value));
        }
    }
}
