using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>vNICs whose commitments fit the line rate get them, whoever floods the port and whatever the priorities.</summary>
[TestClass]
public sealed class ShapedOversubscriptionTests
{
    [TestMethod]
    public void TwoCommittedVnicsGetTheirRatesWhileABestEffortVnicFloods()
    {
        var (a, b, c) = Run(committed: true);

        Expect.Within(300, a, 0.05, "vNIC A, committed 300");
        Expect.Within(400, b, 0.05, "vNIC B, committed 400");
        Expect.Within(300, c, 0.05, "best-effort vNIC C takes the rest");
    }

    [TestMethod]
    public void TheGuaranteeCheckFailsWithoutCommitments()
    {
        // The broken control: A and B with the same ceilings but nothing committed; C's higher
        // priority then takes the port, and the check above catches the lost guarantees.
        var (a, b, _) = Run(committed: false);

        Assert.IsFalse(Expect.IsWithin(300, a, 0.05) && Expect.IsWithin(400, b, 0.05), $"uncommitted A {a:F1}, B {b:F1}");
    }

    [TestMethod]
    public void PriorityServesHigherFirstBeyondCommitments()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(500));
        var high = sim.Shaper.AddFlow("high", new QosSettings { CommittedRate = Rates.Mbps(100), Priority = 0 }, []);
        var low = sim.Shaper.AddFlow("low", new QosSettings { CommittedRate = Rates.Mbps(100), Priority = 3 }, []);
        sim.AddSource(high, 1);
        sim.AddSource(low, 2);
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        Expect.Within(400, sim.Sink.Mbps(1, 0.5, 2.5), 0.05, "priority 0: its 100 and all 300 spare");
        Expect.Within(100, sim.Sink.Mbps(2, 0.5, 2.5), 0.05, "priority 3: its 100");
    }

    [TestMethod]
    public void EqualPrioritiesShareTheSpareInProportionToCommitments()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(500));
        var big = sim.Shaper.AddFlow("big", new QosSettings { CommittedRate = Rates.Mbps(200), Priority = 2 }, []);
        var small = sim.Shaper.AddFlow("small", new QosSettings { CommittedRate = Rates.Mbps(50), Priority = 2 }, []);
        sim.AddSource(big, 1);
        sim.AddSource(small, 2);
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        Expect.Within(400, sim.Sink.Mbps(1, 0.5, 2.5), 0.05, "200 committed: 200 + 250 × 4/5");
        Expect.Within(100, sim.Sink.Mbps(2, 0.5, 2.5), 0.05, "50 committed: 50 + 250 × 1/5");
    }

    private static (double A, double B, double C) Run(bool committed)
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var a = sim.Shaper.AddFlow("a", new QosSettings { CommittedRate = committed ? Rates.Mbps(300) : 0, Ceiling = Rates.Mbps(300), Priority = 4 }, []);
        var b = sim.Shaper.AddFlow("b", new QosSettings { CommittedRate = committed ? Rates.Mbps(400) : 0, Ceiling = Rates.Mbps(400), Priority = 4 }, []);
        var c = sim.Shaper.AddFlow("c", new QosSettings { Priority = 0 }, []);
        sim.AddSource(a, 1);
        sim.AddSource(b, 2);
        sim.AddSource(c, 3);
        sim.RunFor(TimeSpan.FromSeconds(2.5));
        return (sim.Sink.Mbps(1, 0.5, 2.5), sim.Sink.Mbps(2, 0.5, 2.5), sim.Sink.Mbps(3, 0.5, 2.5));
    }
}
