using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Changes to a sending vNIC take effect within the fabric's 200 ms; removing one drops and counts its queue.</summary>
[TestClass]
public sealed class ShapedLiveChangeTests
{
    private const ushort Udp = 5001;

    [TestMethod]
    public void ALoweredRateTakesEffectWithin200Milliseconds()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", Limit(100), []);
        sim.AddSource(vnic, Udp);
        sim.RunFor(TimeSpan.FromSeconds(1));

        sim.Shaper.Update(vnic, Limit(40), []);
        sim.RunFor(TimeSpan.FromSeconds(1));

        Expect.Within(100, sim.Sink.Mbps(Udp, 0.5, 1.0), 0.05, "before");
        Expect.Within(40, sim.Sink.Mbps(Udp, 1.2, 2.0), 0.05, "from 200 ms after the change");
    }

    [TestMethod]
    public void ARaisedRateTakesEffectWithin200Milliseconds()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", Limit(40), []);
        sim.AddSource(vnic, Udp);
        sim.RunFor(TimeSpan.FromSeconds(1));

        sim.Shaper.Update(vnic, Limit(100), []);
        sim.RunFor(TimeSpan.FromSeconds(1));

        Expect.Within(40, sim.Sink.Mbps(Udp, 0.5, 1.0), 0.05, "before");
        Expect.Within(100, sim.Sink.Mbps(Udp, 1.2, 2.0), 0.05, "from 200 ms after the change");
    }

    [TestMethod]
    public void ALoweredLineRateTakesEffectWithin200Milliseconds()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", default, []);
        sim.AddSource(vnic, Udp);
        sim.RunFor(TimeSpan.FromSeconds(1));

        sim.Shaper.SetLineRate(Rates.Mbps(250));
        sim.RunFor(TimeSpan.FromSeconds(1));

        Expect.Within(250, sim.Sink.Mbps(Udp, 1.2, 2.0), 0.05, "from 200 ms after the change");
    }

    [TestMethod]
    public void ClassesChangeWhileTheVnicSends()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", Limit(100), []);
        sim.AddSource(vnic, 1);
        sim.AddSource(vnic, 2);
        sim.RunFor(TimeSpan.FromSeconds(1));

        // Port 1's traffic gets a class with 80 of the 100 and a ceiling of 80; the rest stays default.
        sim.Shaper.Update(vnic, Limit(100), [ShapedClassSharingTests.Class("bulk", 80, 1) with { Ceiling = Rates.Mbps(80) }]);
        sim.RunFor(TimeSpan.FromSeconds(1));

        Expect.Within(80, sim.Sink.Mbps(1, 1.2, 2.0), 0.05, "the new class");
        Expect.Within(20, sim.Sink.Mbps(2, 1.2, 2.0), 0.05, "the default class");
        Assert.AreEqual(0, vnic.Snapshot().Classes.Sum(c => c.Dropped) - vnic.Snapshot().Dropped, "class drops add up to the vNIC's");
    }

    [TestMethod]
    public void RemoveDropsQueuedFramesAndCountsThem()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", Limit(10), []);
        var source = sim.AddSource(vnic, Udp);
        sim.RunFor(TimeSpan.FromMilliseconds(100));
        var before = vnic.Snapshot();
        Assert.IsGreaterThan(0, before.Queued);

        sim.Shaper.Remove(vnic);

        var after = vnic.Snapshot();
        Assert.IsTrue(vnic.IsRemoved);
        Assert.AreEqual(0, after.Queued);
        Assert.AreEqual(0, after.QueuedBytes);
        Assert.AreEqual(before.Dropped + before.Queued, after.Dropped, "every queued frame counted as dropped");
        Assert.AreEqual(after.Dropped, after.Classes.Single().Dropped);
        Assert.IsEmpty(sim.Shaper.Flows);

        // Frames sent to a removed vNIC are dropped and counted, and nothing more leaves.
        var sent = sim.Sink.Mbps(Udp, 0, 1);
        source.OfferedMbps = 10;
        sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.AreEqual(sent, sim.Sink.Mbps(Udp, 0, 1));
        Assert.IsGreaterThan(after.Dropped, vnic.Snapshot().Dropped);
    }

    [TestMethod]
    public void RemovingAClassDropsItsQueueAndKeepsTheOthers()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var classes = new[] { ShapedClassSharingTests.Class("a", 5, 1), ShapedClassSharingTests.Class("b", 5, 2) };
        var vnic = sim.Shaper.AddFlow("vnic", Limit(10), classes);
        sim.AddSource(vnic, 1);
        sim.AddSource(vnic, 2);
        sim.RunFor(TimeSpan.FromMilliseconds(100));
        var before = vnic.Snapshot();
        var queuedInB = before.Classes[1].Queued;
        Assert.IsGreaterThan(0, queuedInB);

        sim.Shaper.Update(vnic, Limit(10), [classes[0]]);

        var after = vnic.Snapshot();
        CollectionAssert.AreEqual(new[] { "a", "default" }, after.Classes.Select(c => c.Name).ToArray());
        Assert.AreEqual(before.Classes[0].Queued, after.Classes[0].Queued, "class a keeps its queue");
        Assert.AreEqual(before.Dropped + queuedInB, after.Dropped, "class b's queue dropped and counted");
    }

    private static QosSettings Limit(double mbps) => new() { CommittedRate = Rates.Mbps(mbps), Ceiling = Rates.Mbps(mbps) };
}
