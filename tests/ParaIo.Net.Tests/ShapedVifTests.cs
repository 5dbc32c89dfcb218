using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Net;
using ParaIo.Backend.Qos;
using ParaIo.Frontend.Net;
using ParaIo.Protocol.Net;

namespace ParaIo.Net.Tests;

/// <summary>
/// A vif bound to a vNIC (<c>vnic=</c>) through the real data path: NetFront on rings to NetBack,
/// whose tx frames go through the vNIC's shaper into the bridge. Rates are measured in real time
/// at a sink port, over the window of arrivals, and kept modest for a busy two-core machine.
/// </summary>
[TestClass]
public sealed class ShapedVifTests
{
    private const string BridgeName = "br-fabric";
    private static readonly MacAddress VnicMac = new(0x02_58_53_00_00_01UL);
    private static readonly MacAddress SinkMac = Frames.Mac(0x5151);

    [TestMethod]
    public async Task ABoundVifTakesTheVnicsMacAndBridgeAndSendsThroughItsShaper()
    {
        using var shaper = new EgressShaper("port0", Mbps(1000));
        var flow = shaper.AddFlow("vnic0", default, []);
        var vnics = new VnicDirectory();
        vnics.Add(new VnicBinding("vnic0", VnicMac, BridgeName, flow));
        await using var rig = new NetRig(vnics: vnics);
        var settings = Settings("vnic0");

        var keys = rig.Driver.BackendKeys(new DeviceAddress(1, NetifProtocol.DeviceType, 0), settings);
        var vif = rig.Connect(1, settings: settings);
        var sink = rig.AddCapture("sink", BridgeName);
        var frame = Frames.Udp(SinkMac, VnicMac, 9, 300);
        vif.Front.Send(frame, new NetTxOffload(ChecksumBlank: true));

        Assert.AreEqual(VnicMac.ToString(), keys[NetKeys.Mac]);
        Assert.AreEqual(VnicMac, vif.Back.Settings.Mac);
        Assert.AreEqual(BridgeName, vif.Back.Bridge.Name);
        Assert.AreSame(flow, vif.Back.Egress);
        Assert.IsTrue(Waits.Until(() => !sink.Received.IsEmpty), "the shaped frame reached the bridge");
        sink.Received.TryDequeue(out var received);
        CollectionAssert.AreEqual(frame, received.Bytes, "the shaper's copy is the frame");
        Assert.IsTrue(received.Offload.ChecksumBlank, "offload metadata travels with the copy");
        Assert.IsTrue(Waits.Until(() => flow.Snapshot().FramesSent == 1), "counted once forwarded");
    }

    [TestMethod]
    public async Task AnUnknownVnicRefusesTheDevice()
    {
        await using var rig = new NetRig(vnics: new VnicDirectory());
        var address = new DeviceAddress(1, NetifProtocol.DeviceType, 0);

        var keys = Assert.ThrowsExactly<DeviceRejectedException>(() => rig.Driver.BackendKeys(address, Settings("nope")));
        var connect = Assert.ThrowsExactly<DeviceRejectedException>(() => rig.Connect(1, settings: Settings("nope")));

        StringAssert.Contains(keys.Message, "vnic=nope: there is no such vNIC");
        StringAssert.Contains(connect.Message, "vnic=nope: there is no such vNIC");
    }

    [TestMethod]
    public async Task AVnicSettingIsCheckedBeforeTheDeviceIsCreated()
    {
        await using var rig = new NetRig(vnics: new VnicDirectory());
        var driverWithoutFabric = new NetBackendDriver(new BridgeTable());

        var withMac = Assert.ThrowsExactly<ArgumentException>(() => rig.Driver.ValidateSettings(new Dictionary<string, string> { ["vnic"] = "vnic0", ["mac"] = "02:00:00:00:00:01" }));
        var noFabric = Assert.ThrowsExactly<ArgumentException>(() => driverWithoutFabric.ValidateSettings(Settings("vnic0")));
        rig.Driver.ValidateSettings(Settings("created-later"));

        StringAssert.Contains(withMac.Message, "drop mac= and bridge=");
        StringAssert.Contains(noFabric.Message, "this backend has no vNIC fabric");
    }

    [TestMethod]
    public async Task TheReceiveDirectionIsNotShaped()
    {
        using var shaper = new EgressShaper("port0", Mbps(1000));
        var flow = shaper.AddFlow("vnic0", new QosSettings { Ceiling = 0 }, []); // transmits nothing
        var vnics = new VnicDirectory();
        vnics.Add(new VnicBinding("vnic0", VnicMac, BridgeName, flow));
        await using var rig = new NetRig(vnics: vnics);
        var vif = rig.Connect(1, settings: Settings("vnic0"));
        var peer = rig.AddCapture("peer", BridgeName);

        for (var i = 0; i < 50; i++)
        {
            peer.Inject(Frames.Udp(VnicMac, SinkMac, 9, 1000));
        }

        for (var i = 0; i < 50; i++)
        {
            vif.Next();
        }

        vif.Front.Send(Frames.Udp(SinkMac, VnicMac, 9, 1000));
        Assert.IsTrue(Waits.Until(() => flow.Snapshot().Queued == 1), "the guest's own frame waits in its vNIC's queue");
        Assert.IsEmpty(peer.Received);
    }

    [TestMethod]
    public async Task AShapedVifDeliversItsRateInRealTime()
    {
        var achieved = await RunOneStream(shaped: true);

        Expect(40, achieved, "vNIC limited to 40 Mb/s, offered 60");
    }

    [TestMethod]
    public async Task TheRealTimeRateCheckFailsAnUnshapedVif()
    {
        // The broken control: the same guest and load on a vif bound to a vNIC without a shaper.
        var achieved = await RunOneStream(shaped: false);

        Assert.IsFalse(IsWithin(40, achieved), $"an unshaped vif delivered {achieved:F1} Mb/s");
    }

    [TestMethod]
    public async Task TheThreeClassSplitHoldsInRealTime()
    {
        using var shaper = new EgressShaper("port0", Mbps(1000));
        var flow = shaper.AddFlow("vnic0", new QosSettings { CommittedRate = Mbps(80), Ceiling = Mbps(80) }, [Class("SAP", 40, 3200), Class("Exchange", 28, 135), Class("backup", 12, 10000)]);
        var vnics = new VnicDirectory();
        vnics.Add(new VnicBinding("vnic0", VnicMac, BridgeName, flow));
        await using var rig = new NetRig(vnics: vnics);
        var vif = rig.Connect(1, settings: Settings("vnic0"));
        var sink = new ArrivalSink("sink");
        rig.Bridges.GetOrCreate(BridgeName).AddPort(sink);

        // Each class offered 1.4 times its share: all three saturate, the paper's 100 : 70 : 30.
        PacedGuest.Send(
            vif.Front,
            TimeSpan.FromSeconds(2.5),
            (Frames.Udp(SinkMac, VnicMac, 3200, 1500), 56),
            (Frames.Udp(SinkMac, VnicMac, 135, 1500), 39.2),
            (Frames.Udp(SinkMac, VnicMac, 10000, 1500), 16.8));

        var skip = TimeSpan.FromSeconds(0.5);
        Expect(40, sink.Mbps(3200, skip), "SAP");
        Expect(28, sink.Mbps(135, skip), "Exchange");
        Expect(12, sink.Mbps(10000, skip), "backup");
        Assert.IsGreaterThan(0, flow.Snapshot().Dropped, "the offered excess was dropped at the vNIC's queues");
    }

    [TestMethod]
    public async Task ARateChangeTakesEffectWithin200MillisecondsInRealTime()
    {
        using var shaper = new EgressShaper("port0", Mbps(1000));
        var flow = shaper.AddFlow("vnic0", new QosSettings { CommittedRate = Mbps(20), Ceiling = Mbps(20) }, []);
        var vnics = new VnicDirectory();
        vnics.Add(new VnicBinding("vnic0", VnicMac, BridgeName, flow));
        await using var rig = new NetRig(vnics: vnics);
        var vif = rig.Connect(1, settings: Settings("vnic0"));
        var sink = new ArrivalSink("sink");
        rig.Bridges.GetOrCreate(BridgeName).AddPort(sink);

        var guest = Task.Run(() => PacedGuest.Send(vif.Front, TimeSpan.FromSeconds(3), (Frames.Udp(SinkMac, VnicMac, 5001, 1500), 60)));
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var before = sink.Mbps(5001, TimeSpan.FromSeconds(0.3));
        var changed = Stopwatch.GetTimestamp();
        shaper.Update(flow, new QosSettings { CommittedRate = Mbps(45), Ceiling = Mbps(45) }, []);
        await guest.WaitAsync(Waits.Limit);

        Expect(20, before, "before the change");
        Expect(45, sink.MbpsSince(5001, changed + (Stopwatch.Frequency / 5)), "from 200 ms after the change");
    }

    private static async Task<double> RunOneStream(bool shaped)
    {
        using var shaper = new EgressShaper("port0", Mbps(1000));
        var flow = shaper.AddFlow("vnic0", new QosSettings { CommittedRate = Mbps(40), Ceiling = Mbps(40) }, []);
        var vnics = new VnicDirectory();
        vnics.Add(new VnicBinding("vnic0", VnicMac, BridgeName, shaped ? flow : null));
        await using var rig = new NetRig(vnics: vnics);
        var vif = rig.Connect(1, settings: Settings("vnic0"));
        var sink = new ArrivalSink("sink");
        rig.Bridges.GetOrCreate(BridgeName).AddPort(sink);

        PacedGuest.Send(vif.Front, TimeSpan.FromSeconds(2.5), (Frames.Udp(SinkMac, VnicMac, 5001, 1500), 60));

        return sink.Mbps(5001, TimeSpan.FromSeconds(0.5));
    }

    private static IReadOnlyDictionary<string, string> Settings(string vnic) => new Dictionary<string, string> { [VifSettings.VnicSetting] = vnic };

    private static TrafficClassSpec Class(string name, double mbps, ushort port) =>
        new(name, Mbps(mbps), null, 0, [new TrafficClassRule(port, TrafficProtocols.Udp, 0)]);

    private static long Mbps(double megabits) => (long)(megabits * 1_000_000 / 8);

    private static bool IsWithin(double expected, double actual) => Math.Abs(actual - expected) <= expected * 0.05;

    private static void Expect(double expected, double actual, string what) =>
        Assert.IsTrue(IsWithin(expected, actual), $"{what}: expected {expected:F1} Mb/s ±5%, got {actual:F2} ({(actual - expected) / expected:+0.0%;-0.0%}).");
}
