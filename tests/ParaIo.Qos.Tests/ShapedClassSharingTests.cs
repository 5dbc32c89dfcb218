using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// The paper's Figure 4 through the shaper: a 200 Mb/s vNIC whose SAP, Exchange and backup
/// classes are guaranteed 100, 70 and 30 Mb/s, on a 1 Gb/s port that another vNIC floods.
/// </summary>
[TestClass]
public sealed class ShapedClassSharingTests
{
    private const ushort Sap = 3200;
    private const ushort Exchange = 135;
    private const ushort Backup = 10000;
    private const ushort Other = 7000;

    [TestMethod]
    public void EachClassGetsItsGuaranteeWhenAllSaturate()
    {
        using var sim = Figure4(out var vnic, out _, classify: true);
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        Expect.Within(100, sim.Sink.Mbps(Sap, 0.5, 2.5), 0.05, "SAP");
        Expect.Within(70, sim.Sink.Mbps(Exchange, 0.5, 2.5), 0.05, "Exchange");
        Expect.Within(30, sim.Sink.Mbps(Backup, 0.5, 2.5), 0.05, "backup");
        Expect.Within(800, sim.Sink.Mbps(Other, 0.5, 2.5), 0.05, "the flooding vNIC gets the rest");
        var classes = vnic.Snapshot().Classes;
        CollectionAssert.AreEqual(new[] { "SAP", "Exchange", "backup", "default" }, classes.Select(c => c.Name).ToArray());
        Assert.AreEqual(0, classes[3].BytesSent, "every frame matched a class");
    }

    [TestMethod]
    public void TheSplitCheckFailsWhenFramesAreNotClassified()
    {
        // The broken control: the same vNIC whose rules match nothing; all three kinds of traffic
        // share the default class first-come, and the per-class check above catches it.
        using var sim = Figure4(out _, out _, classify: false);
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        var split = new[] { sim.Sink.Mbps(Sap, 0.5, 2.5), sim.Sink.Mbps(Exchange, 0.5, 2.5), sim.Sink.Mbps(Backup, 0.5, 2.5) };
        Assert.IsFalse(
            Expect.IsWithin(100, split[0], 0.05) && Expect.IsWithin(70, split[1], 0.05) && Expect.IsWithin(30, split[2], 0.05),
            $"unclassified traffic split {split[0]:F1}/{split[1]:F1}/{split[2]:F1}");
        Expect.Within(200, split.Sum(), 0.05, "the vNIC still holds its 200 Mb/s");
    }

    [TestMethod]
    public void AnIdleClassShareIsLentToTheOthersInProportion()
    {
        using var sim = Figure4(out _, out var backup, classify: true);
        backup.OfferedMbps = 0;
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        // Backup's 30 split 100 : 70 between SAP and Exchange.
        Expect.Within(200 * 100 / 170.0, sim.Sink.Mbps(Sap, 0.5, 2.5), 0.05, "SAP");
        Expect.Within(200 * 70 / 170.0, sim.Sink.Mbps(Exchange, 0.5, 2.5), 0.05, "Exchange");
        Expect.Within(800, sim.Sink.Mbps(Other, 0.5, 2.5), 0.05, "the flooding vNIC");
    }

    [TestMethod]
    public void AClassOfferingLessThanItsShareLendsTheRest()
    {
        using var sim = Figure4(out _, out var backup, classify: true);
        backup.OfferedMbps = 10;
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        Expect.Within(10, sim.Sink.Mbps(Backup, 0.5, 2.5), 0.05, "backup gets what it offers");
        Expect.Within(100 + (20 * 100 / 170.0), sim.Sink.Mbps(Sap, 0.5, 2.5), 0.05, "SAP");
        Expect.Within(70 + (20 * 70 / 170.0), sim.Sink.Mbps(Exchange, 0.5, 2.5), 0.05, "Exchange");
    }

    [TestMethod]
    public void UnmatchedFramesGoToTheDefaultClass()
    {
        using var sim = new ShaperSimulation(Rates.Mbps(1000));
        var vnic = sim.Shaper.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(100), Ceiling = Rates.Mbps(100) }, [Class("SAP", 60, Sap) with { Ceiling = Rates.Mbps(60) }]);
        sim.AddSource(vnic, Sap);
        sim.AddSource(vnic, Other);
        sim.RunFor(TimeSpan.FromSeconds(2.5));

        // SAP's 60 (its ceiling too); the best-effort default class borrows the vNIC's other 40.
        Expect.Within(60, sim.Sink.Mbps(Sap, 0.5, 2.5), 0.05, "SAP");
        Expect.Within(40, sim.Sink.Mbps(Other, 0.5, 2.5), 0.05, "default class");
        var snapshot = vnic.Snapshot();
        Assert.AreEqual("default", snapshot.Classes[1].Name);
        Assert.IsGreaterThan(0, snapshot.Classes[1].BytesSent);
        Expect.Within(40, Rates.ToMbps(snapshot.Classes[1].Rate), 0.05, "default class's achieved rate");
    }

    internal static TrafficClassSpec Class(string name, double mbps, ushort port, int priority = 0) =>
        new(name, Rates.Mbps(mbps), null, priority, [new TrafficClassRule(port, TrafficProtocols.TcpOrUdp, 0)]);

    private static ShaperSimulation Figure4(out ShapedFlow vnic, out ShaperSimulation.Source backup, bool classify)
    {
        var sim = new ShaperSimulation(Rates.Mbps(1000));
        var unmatched = (ushort)60000;
        vnic = sim.Shaper.AddFlow(
            "vnic-a",
            new QosSettings { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200) },
            [Class("SAP", 100, classify ? Sap : unmatched), Class("Exchange", 70, classify ? Exchange : unmatched), Class("backup", 30, classify ? Backup : unmatched)]);
        var other = sim.Shaper.AddFlow("vnic-b", default, []);
        sim.AddSource(vnic, Sap);
        sim.AddSource(vnic, Exchange);
        backup = sim.AddSource(vnic, Backup);
        sim.AddSource(other, Other);
        return sim;
    }
}
