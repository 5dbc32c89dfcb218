using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Rates, priorities and classes change while traffic flows, and take effect within 200 ms.</summary>
[TestClass]
public sealed class LiveChangeTests
{
    [TestMethod]
    public void CeilingChangeTakesEffectWithin200Milliseconds()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { Ceiling = Rates.Mbps(100) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var source = sim.AddSource(vnic);

        sim.RunFor(TimeSpan.FromSeconds(2));
        port.Update(vnic, new QosSettings { Ceiling = Rates.Mbps(40) });
        sim.RunFor(TimeSpan.FromSeconds(2));
        port.Update(vnic, new QosSettings { Ceiling = Rates.Mbps(150) });
        sim.RunFor(TimeSpan.FromSeconds(2));

        Expect.Within(100, source.MbpsBetween(1, 2), 0.01, "before");
        Expect.Within(40, source.MbpsBetween(2.2, 4), 0.01, "after lowering, from +200 ms");
        Expect.Within(150, source.MbpsBetween(4.2, 6), 0.01, "after raising, from +200 ms");
        // In fact at once: each 10 ms slice after a change is already at the new rate, give or take a frame or the burst.
        Expect.Within(40, source.MbpsBetween(2.01, 2.02), 0.05, "10 ms after lowering");
        Expect.Within(150, source.MbpsBetween(4.05, 4.06), 0.05, "50 ms after raising");
    }

    [TestMethod]
    public void PriorityChangeTakesEffectWithin200Milliseconds()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(100), Priority = 1 });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(100), Priority = 5 });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var sa = sim.AddSource(a);
        var sb = sim.AddSource(b);

        sim.RunFor(TimeSpan.FromSeconds(1));
        port.Update(b, new QosSettings { CommittedRate = Rates.Mbps(100), Priority = 0 });
        sim.RunFor(TimeSpan.FromSeconds(1));

        Expect.Within(900, sa.MbpsBetween(0.5, 1), 0.01, "A before");
        Expect.Within(100, sa.MbpsBetween(1.2, 2), 0.01, "A after");
        Expect.Within(900, sb.MbpsBetween(1.2, 2), 0.01, "B after");
    }

    [TestMethod]
    public void ClassAddedLiveGetsItsShare()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200) });
        var sap = port.AddClass(vnic, "sap", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var exchange = port.AddClass(vnic, "exchange", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var ssap = sim.AddSource(sap);
        var sexchange = sim.AddSource(exchange);

        sim.RunFor(TimeSpan.FromSeconds(1));
        port.Update(exchange, new QosSettings { CommittedRate = Rates.Mbps(70) });
        var backup = port.AddClass(vnic, "backup", new QosSettings { CommittedRate = Rates.Mbps(30) });
        var sbackup = sim.AddSource(backup);
        sim.RunFor(TimeSpan.FromSeconds(1.5));

        Expect.Within(100, ssap.MbpsBetween(0.5, 1), 0.01, "SAP before");
        Expect.Within(100, sexchange.MbpsBetween(0.5, 1), 0.01, "Exchange before");
        Expect.Within(100, ssap.MbpsBetween(1.2, 2.5), 0.01, "SAP after");
        Expect.Within(70, sexchange.MbpsBetween(1.2, 2.5), 0.01, "Exchange after");
        Expect.Within(30, sbackup.MbpsBetween(1.2, 2.5), 0.01, "backup after");
    }

    [TestMethod]
    public void RemovedClassHandsBackItsFramesAndItsShare()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200) });
        var sap = port.AddClass(vnic, "sap", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var backup = port.AddClass(vnic, "backup", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var frame = new object();
        for (var i = 0; i < 10; i++)
        {
            port.Enqueue(backup, frame, 1500);
        }

        var discarded = 0;
        port.Remove(backup, _ => discarded++);

        Assert.AreEqual(10, discarded);
        Assert.IsTrue(backup.IsRemoved);
        Assert.ThrowsExactly<InvalidOperationException>(() => port.Enqueue(backup, frame, 1500));
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var ssap = sim.AddSource(sap);
        sim.RunFor(TimeSpan.FromSeconds(2));
        Expect.Within(200, ssap.MbpsBetween(1, 2), 0.01, "SAP alone");
    }
}
