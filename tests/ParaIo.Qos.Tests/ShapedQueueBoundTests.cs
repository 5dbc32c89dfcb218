using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Each class holds a bounded queue, in bytes and frames; beyond, frames are dropped at the tail and counted.</summary>
[TestClass]
public sealed class ShapedQueueBoundTests
{
    [TestMethod]
    public void AClassQueueIsBoundedInBytes()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000), new EgressShaperOptions { QueueBytes = 100 * 1000, QueueFrames = 1000 });
        var vnic = sim.Shaper.AddFlow("vnic", new QosSettings { Ceiling = 0 }, []); // sends nothing: everything queues
        var source = sim.AddSource(vnic, 1, offeredMbps: 0, frameBytes: 1000);

        Assert.AreEqual(100, source.Burst(150));

        var snapshot = vnic.Snapshot();
        Assert.AreEqual(100, snapshot.Queued, "100 frames of 1000 bytes fill 100 kB");
        Assert.AreEqual(100_000, snapshot.QueuedBytes);
        Assert.AreEqual(50, snapshot.Dropped);
        Assert.AreEqual(0, snapshot.BytesSent);
    }

    [TestMethod]
    public void AClassQueueIsBoundedInFrames()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000), new EgressShaperOptions { QueueFrames = 16 });
        var vnic = sim.Shaper.AddFlow("vnic", new QosSettings { Ceiling = 0 }, []);
        var source = sim.AddSource(vnic, 1, offeredMbps: 0, frameBytes: 100);

        Assert.AreEqual(16, source.Burst(40));

        var snapshot = vnic.Snapshot();
        Assert.AreEqual(16, snapshot.Queued);
        Assert.AreEqual(24, snapshot.Dropped);
    }

    [TestMethod]
    public void ClassesQueueIndependently()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000), new EgressShaperOptions { QueueFrames = 16 });
        var vnic = sim.Shaper.AddFlow("vnic", new QosSettings { Ceiling = 0 }, [ShapedClassSharingTests.Class("a", 0, 1)]);
        var flood = sim.AddSource(vnic, 1, offeredMbps: 0, frameBytes: 100);
        var other = sim.AddSource(vnic, 2, offeredMbps: 0, frameBytes: 100);

        flood.Burst(40);
        other.Burst(4);

        var classes = vnic.Snapshot().Classes;
        Assert.AreEqual((16, 24L), (classes[0].Queued, classes[0].Dropped), "class a overflows");
        Assert.AreEqual((4, 0L), (classes[1].Queued, classes[1].Dropped), "the default class is unaffected");
    }
}
