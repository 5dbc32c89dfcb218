using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>A leaf limited to R delivers R under saturating load (±1% in simulation; the conformance target is ±5%).</summary>
[TestClass]
public sealed class RateLimitTests
{
    [TestMethod]
    [DataRow(100.0, 1500)]
    [DataRow(10.0, 64)]
    [DataRow(500.0, 9000)]
    [DataRow(300.0, 65536)]
    [DataRow(1.0, 1500)]
    public void SaturatedVnicDeliversItsCeiling(double ceilingMbps, int frameBytes)
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(ceilingMbps / 2), Ceiling = Rates.Mbps(ceilingMbps) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var source = sim.AddSource(vnic, frameBytes: frameBytes);

        sim.RunFor(TimeSpan.FromSeconds(5));

        // Steady state, after the initial burst.
        Expect.Within(ceilingMbps, source.MbpsBetween(1, 5), 0.01, "delivered Mb/s");
        // Over the whole run the burst is allowed on top.
        var burst = Math.Max(64 * 1024, Rates.Mbps(ceilingMbps) * 0.005) + frameBytes;
        Assert.IsTrue(source.Delivered <= (Rates.Mbps(ceilingMbps) * 5) + burst, $"delivered {source.Delivered} bytes");
        // The estimator agrees.
        Expect.Within(ceilingMbps, Rates.ToMbps(port.GetSnapshot(vnic).Rate), 0.05, "estimated Mb/s");
    }

    [TestMethod]
    public void AloneOnThePortAFlowWithoutCeilingGetsTheLineRate()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(100) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var source = sim.AddSource(vnic);

        sim.RunFor(TimeSpan.FromSeconds(3));

        Expect.Within(1000, source.MbpsBetween(1, 3), 0.01, "delivered Mb/s");
        Expect.Within(1000, Rates.ToMbps(port.GetSnapshot(port.Port).Rate), 0.05, "port estimate");
    }

    [TestMethod]
    public void LineRateCapsEverything()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(100), clock);
        var a = port.AddFlow("a", new QosSettings { CommittedRate = Rates.Mbps(80) });
        var b = port.AddFlow("b", new QosSettings { CommittedRate = Rates.Mbps(80) });
        var sim = new PortSimulation(clock, new SchedulerPort(port));
        var sa = sim.AddSource(a);
        var sb = sim.AddSource(b);

        sim.RunFor(TimeSpan.FromSeconds(3));

        // Commitments that do not fit the line rate: equal priority shares by commitment.
        Expect.Within(100, sa.MbpsBetween(1, 3) + sb.MbpsBetween(1, 3), 0.01, "port Mb/s");
        Expect.Within(50, sa.MbpsBetween(1, 3), 0.02, "a Mb/s");
    }

    [TestMethod]
    public void FullQueueRefusesAndCounts()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(100), clock, new PortSchedulerOptions { QueueCapacity = 4 });
        var vnic = port.AddFlow("vnic", new QosSettings { Ceiling = Rates.Mbps(10) });
        var item = new object();
        for (var i = 0; i < 4; i++)
        {
            Assert.IsTrue(port.Enqueue(vnic, item, 1500));
        }

        Assert.IsFalse(port.Enqueue(vnic, item, 1500));
        var snapshot = port.GetSnapshot(vnic);
        Assert.AreEqual(1, snapshot.Dropped);
        Assert.AreEqual(4, snapshot.Queued);
    }

    [TestMethod]
    public void NextDepartureSaysWhenTheCeilingAllowsTheNextFrame()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { Ceiling = 1_000_000, Burst = 1000 });
        var item = new object();
        Assert.AreEqual(long.MaxValue, port.NextDeparture, "nothing queued");
        port.Enqueue(vnic, item, 1500);
        port.Enqueue(vnic, item, 1500);
        Assert.IsTrue(port.NextDeparture <= clock.GetTimestamp());
        Assert.IsTrue(port.TryDequeue(out var sent, out var leaf, out var bytes));
        Assert.AreSame(item, sent);
        Assert.AreSame(vnic, leaf);
        Assert.AreEqual(1500, bytes);

        // The 1000-byte burst is spent and 500 bytes owed; at 1 MB/s they are repaid in 0.5 ms.
        Assert.IsFalse(port.TryDequeue(out _, out _, out _));
        Assert.AreEqual(500_000, port.NextDeparture - clock.GetTimestamp(), 1000);
        clock.Advance(TimeSpan.FromMilliseconds(0.4));
        Assert.IsFalse(port.TryDequeue(out _, out _, out _));
        clock.Advance(TimeSpan.FromMilliseconds(0.11));
        Assert.IsTrue(port.TryDequeue(out _, out _, out _));
    }
}
