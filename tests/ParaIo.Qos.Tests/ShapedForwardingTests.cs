using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>The sender thread forwards each frame as if from the port it entered at, and survives ports that go or fail.</summary>
[TestClass]
public sealed class ShapedForwardingTests
{
    [TestMethod]
    public void AFrameIsForwardedFromItsOwnPortAndTheBridgeLearnsIt()
    {
        var clock = new SteppedClock();
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), clock);
        var bridge = new SoftwareBridge("br", clock);
        var vif = new Port("vif1");
        var sink = new Port("sink");
        bridge.AddPort(vif);
        bridge.AddPort(sink);
        var vnic = shaper.AddFlow("vnic", default, []);
        var frame = Frame(UdpFrames.Build(UdpFrames.Mac(2), UdpFrames.Mac(1), 1, 2, 200));

        Assert.IsTrue(vnic.Send(vif, frame));
        shaper.Settle(TimeSpan.FromSeconds(10));

        Assert.AreEqual(1, sink.Frames);
        Assert.AreEqual(0, vif.Frames, "not flooded back to where it came from");
        Assert.AreEqual(1, bridge.Snapshot().Ports.Single(p => p.Name == "vif1").RxFrames);
        Assert.AreEqual("vif1", bridge.Snapshot().Addresses.Single().Port);
    }

    [TestMethod]
    public void AFrameWhosePortLeftItsBridgeIsDroppedAndCounted()
    {
        var clock = new SteppedClock();
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), clock);
        var bridge = new SoftwareBridge("br", clock);
        var vif = new Port("vif1");
        var sink = new Port("sink");
        bridge.AddPort(vif);
        bridge.AddPort(sink);
        var vnic = shaper.AddFlow("vnic", new QosSettings { Ceiling = 0 }, []);
        vnic.Send(vif, Frame(UdpFrames.Build(UdpFrames.Mac(2), UdpFrames.Mac(1), 1, 2, 200)));

        bridge.RemovePort(vif);
        shaper.Update(vnic, default, []);
        shaper.Settle(TimeSpan.FromSeconds(10));

        Assert.AreEqual(0, sink.Frames);
        Assert.AreEqual((0L, 1L, 0), (vnic.Snapshot().FramesSent, vnic.Snapshot().Dropped, vnic.Snapshot().Queued));
    }

    [TestMethod]
    public void APortThatThrowsCostsItsFrameNotTheSender()
    {
        var clock = new SteppedClock();
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), clock);
        var bridge = new SoftwareBridge("br", clock);
        var vif = new Port("vif1");
        var faulty = new Port("faulty") { Throw = true };
        bridge.AddPort(vif);
        bridge.AddPort(faulty);
        var vnic = shaper.AddFlow("vnic", default, []);

        vnic.Send(vif, Frame(UdpFrames.Build(UdpFrames.Mac(2), UdpFrames.Mac(1), 1, 2, 200)));
        shaper.Settle(TimeSpan.FromSeconds(10));
        faulty.Throw = false;
        vnic.Send(vif, Frame(UdpFrames.Build(UdpFrames.Mac(2), UdpFrames.Mac(1), 1, 2, 200)));
        shaper.Settle(TimeSpan.FromSeconds(10));

        Assert.IsInstanceOfType<InvalidOperationException>(shaper.LastForwardError);
        Assert.AreEqual((1L, 1L), (vnic.Snapshot().FramesSent, vnic.Snapshot().Dropped));
        Assert.AreEqual(1, faulty.Frames);
    }

    private static EthernetFrame Frame(byte[] bytes)
    {
        var frame = new EthernetFrame(1);
        frame.Append(bytes, 0, bytes.Length);
        return frame;
    }

    private sealed class Port(string name) : BridgePort(name)
    {
        public int Frames { get; private set; }

        public bool Throw { get; set; }

        public override bool Transmit(in EgressFrame frame)
        {
            if (Throw)
            {
                throw new InvalidOperationException("a port's bug");
            }

            Frames++;
            return true;
        }
    }
}
