using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>The per-frame and per-request paths allocate nothing once set up.</summary>
[TestClass]
public sealed class NoAllocationTests
{
    [TestMethod]
    public void PacingAllocatesNothing()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.Mbps(1000), clock);
        var vnic = port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200) });
        var leaves = new[]
        {
            port.AddClass(vnic, "a", new QosSettings { CommittedRate = Rates.Mbps(100) }),
            port.AddClass(vnic, "b", new QosSettings { CommittedRate = Rates.Mbps(100) }),
            port.AddFlow("other", default),
        };
        var frame = new object();
        Pump(); // warm up: JIT, first activation

        var before = GC.GetAllocatedBytesForCurrentThread();
        Pump();
        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Pump()
        {
            for (var step = 0; step < 1000; step++)
            {
                foreach (var leaf in leaves)
                {
                    port.Enqueue(leaf, frame, 1500);
                }

                while (port.TryDequeue(out _, out _, out _))
                {
                }

                _ = port.NextDeparture;
                clock.Advance(TimeSpan.FromMicroseconds(10));
            }
        }
    }

    [TestMethod]
    public void AdmissionAllocatesNothingOnceWaitersArePooled()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { Ceiling = Rates.MBps(100), OpsLimit = 10_000 });
        var initiator = new GateInitiator(port, vhba, 4096, depth: 4);
        Pump(); // warm up: JIT, the timer, pooled waiters

        var before = GC.GetAllocatedBytesForCurrentThread();
        Pump();
        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Pump()
        {
            for (var step = 0; step < 1000; step++)
            {
                initiator.Poll();
                clock.Advance(TimeSpan.FromMicroseconds(50));
            }
        }
    }

    [TestMethod]
    public void ClassifyingAllocatesNothing()
    {
        var classifier = new TrafficClassifier(0, [new TrafficClassRule(3200, 3299, TrafficProtocols.Tcp, 1)]);
        var frame = FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, vlans: [1, 2], extensionTypes: [0]);
        Assert.AreEqual(1, classifier.Classify(frame));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0;
        for (var i = 0; i < 10_000; i++)
        {
            sum += classifier.Classify(frame);
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.AreEqual(10_000, sum);
    }
}
