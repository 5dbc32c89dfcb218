using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Beyond the commitments, the higher priority is served first; equal priorities share by committed rate.</summary>
[TestClass]
public sealed class PriorityTests
{
    [TestMethod]
    [DataRow(1, 5, 800.0, 200.0)]
    [DataRow(5, 1, 200.0, 800.0)]
    [DataRow(3, 3, 500.0, 500.0)]
    public void SpareGoesToTheHigherPriority(int priorityA, int priorityB, double expectedA, double expectedB)
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(200), Priority = priorityA });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(200), Priority = priorityB });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var sa = sim.AddSource(a);
        var sb = sim.AddSource(b);

        sim.RunFor(TimeSpan.FromSeconds(3));

        Expect.Within(expectedA, sa.MbpsBetween(1, 3), 0.01, "A");
        Expect.Within(expectedB, sb.MbpsBetween(1, 3), 0.01, "B");
    }

    [TestMethod]
    public void EqualPrioritiesShareSpareByCommittedRate()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(300) });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var sa = sim.AddSource(a);
        var sb = sim.AddSource(b);

        sim.RunFor(TimeSpan.FromSeconds(3));

        // 600 spare split 3 : 1.
        Expect.Within(750, sa.MbpsBetween(1, 3), 0.01, "A");
        Expect.Within(250, sb.MbpsBetween(1, 3), 0.01, "B");
    }

    [TestMethod]
    public void CommitmentsThatDoNotFitAreHonouredInPriorityOrder()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(700), Priority = 2 });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(700), Priority = 6 });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var sa = sim.AddSource(a);
        var sb = sim.AddSource(b);

        sim.RunFor(TimeSpan.FromSeconds(3));

        Expect.Within(700, sa.MbpsBetween(1, 3), 0.01, "A");
        Expect.Within(300, sb.MbpsBetween(1, 3), 0.01, "B");
    }
}
