using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// A 1 Gb/s port with vNICs A and B committed to 400 Mb/s each and a best-effort vNIC C flooding
/// at the highest priority: A and B still get their 400, C gets the rest. The same check run on a
/// scheduler that ignores commitments must fail, or the check proves nothing.
/// </summary>
[TestClass]
public sealed class OversubscriptionTests
{
    private const double Start = 1;
    private const double End = 4;

    [TestMethod]
    public void CheckCatchesASchedulerThatIgnoresCommitments()
    {
        var clock = new ManualClock();
        var broken = new StrictPriorityPort(clock, Rates.Mbps(1000));
        var a = broken.AddLeaf(priority: 4);
        var b = broken.AddLeaf(priority: 4);
        var c = broken.AddLeaf(priority: 0);

        var violations = RunAndCheck(clock, broken, a, b, c, offeredA: double.PositiveInfinity, offeredB: double.PositiveInfinity);

        Assert.IsNotEmpty(violations, "the control scheduler passed the oversubscription check");
    }

    [TestMethod]
    public void CommittedVnicsKeepTheirRateAgainstAFloodingBestEffortVnic()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(400), Priority = 4 });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(400), Priority = 4 });
        var c = port.AddFlow("c", new QosSettings { Priority = 0 });

        var violations = RunAndCheck(clock, new SchedulerPort(port), a, b, c, offeredA: double.PositiveInfinity, offeredB: double.PositiveInfinity);

        Assert.IsEmpty(violations, string.Join("; ", violations));
    }

    [TestMethod]
    public void WhatCommittedVnicsLeaveIdleIsLentToTheBestEffortVnic()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(400), Priority = 4 });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(400), Priority = 4 });
        var c = port.AddFlow("c", new QosSettings { Priority = 7 });

        var violations = RunAndCheck(clock, new SchedulerPort(port), a, b, c, offeredA: Rates.Mbps(300), offeredB: Rates.Mbps(350));

        Assert.IsEmpty(violations, string.Join("; ", violations));
    }

    /// <summary>Runs the scenario and lists every broken promise; empty means the scheduler kept them all.</summary>
    private static List<string> RunAndCheck(ManualClock clock, IPortUnderTest port, object a, object b, object c, double offeredA, double offeredB)
    {
        var sim = new PortSimulation(clock, port);
        var sa = sim.AddSource(a, offeredA);
        var sb = sim.AddSource(b, offeredB);
        var sc = sim.AddSource(c);
        sim.RunFor(TimeSpan.FromSeconds(End));

        var rateA = sa.MbpsBetween(Start, End);
        var rateB = sb.MbpsBetween(Start, End);
        var rateC = sc.MbpsBetween(Start, End);
        var violations = new List<string>();
        Promise(Math.Min(400, Rates.ToMbps(offeredA)), rateA, "A");
        Promise(Math.Min(400, Rates.ToMbps(offeredB)), rateB, "B");
        if (Math.Abs(rateA + rateB + rateC - 1000) > 10)
        {
            violations.Add($"the port carried {rateA + rateB + rateC:F1} Mb/s, not its 1000");
        }

        if (rateC < 1000 - Math.Max(rateA, 400) - Math.Max(rateB, 400) - 10)
        {
            violations.Add($"C got {rateC:F1} Mb/s, less than what A and B left");
        }

        return violations;

        void Promise(double owed, double got, string name)
        {
            if (got < owed * 0.99)
            {
                violations.Add($"{name} got {got:F1} Mb/s of the {owed:F1} it was owed");
            }
        }
    }
}
