using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>A vNIC's egress through its port's shaper holds its rate, in simulated time.</summary>
[TestClass]
public sealed class ShapedRateTests
{
    private const ushort Udp = 5001;

    [TestMethod]
    public void AFlowLimitedToRDeliversRUnderSaturatingLoad()
    {
        var achieved = Run(new QosSettings { CommittedRate = Rates.Mbps(100), Ceiling = Rates.Mbps(100) });

        Expect.Within(100, achieved, 0.05, "vNIC limited to 100 Mb/s");
    }

    [TestMethod]
    public void TheRateCheckFailsAFlowWithoutLimit()
    {
        // The broken control: the same load through a vNIC with no rate of its own runs at the
        // port's line rate, and the check the test above relies on says so.
        var achieved = Run(default);

        Assert.IsFalse(Expect.IsWithin(100, achieved, 0.05), $"an unlimited vNIC delivered {achieved:F1} Mb/s");
        Expect.Within(1000, achieved, 0.05, "unlimited vNIC at the line rate");
    }

    [TestMethod]
    public void AFlowLimitedToRDeliversROfGsoSizedFrames()
    {
        var achieved = Run(new QosSettings { CommittedRate = Rates.Mbps(100), Ceiling = Rates.Mbps(100) }, frameBytes: 60_000);

        Expect.Within(100, achieved, 0.05, "vNIC limited to 100 Mb/s sending 60 kB frames");
    }

    [TestMethod]
    public void TheSnapshotReportsWhatWasSentAndTheRateOverTheLastSecond()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(100), Ceiling = Rates.Mbps(100) }, []);
        sim.AddSource(vnic, Udp);
        sim.RunFor(TimeSpan.FromSeconds(2));

        var snapshot = vnic.Snapshot();
        Assert.AreEqual("vnic", snapshot.Name);
        Assert.AreEqual(Rates.Mbps(100), snapshot.CommittedRate);
        Assert.AreEqual(Rates.Mbps(100), snapshot.Ceiling);
        Assert.AreEqual(snapshot.FramesSent * 1500, snapshot.BytesSent);
        Assert.IsGreaterThan(0, snapshot.Dropped, "a saturating source overflows its queue");
        Assert.IsTrue(snapshot.Queued is > 0 and <= 256, $"{snapshot.Queued} frames queued: the bounded queue stays busy under saturating load");
        Assert.AreEqual(snapshot.Queued * 1500L, snapshot.QueuedBytes);
        Expect.Within(100, Rates.ToMbps(snapshot.Rate), 0.05, "achieved rate over the last second");
        var only = snapshot.Classes.Single();
        Assert.AreEqual(TrafficClassSpec.DefaultClassName, only.Name);
        Assert.AreEqual(snapshot.BytesSent, only.BytesSent);
        Assert.AreEqual(snapshot.Dropped, only.Dropped);
    }

    private static double Run(QosSettings settings, int frameBytes = 1500)
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", settings, []);
        sim.AddSource(vnic, Udp, frameBytes: frameBytes);
        sim.RunFor(TimeSpan.FromSeconds(2.5));
        return sim.Sink.Mbps(Udp, 0.5, 2.5);
    }
}
