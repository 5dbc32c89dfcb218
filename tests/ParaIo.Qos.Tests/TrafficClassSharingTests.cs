using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// The paper's Figure 4: a 200 Mb/s vNIC split into SAP 100, Exchange 70 and backup 30, on a
/// 1 Gb/s port that another vNIC keeps saturated, so nothing the classes get comes from an idle port.
/// </summary>
[TestClass]
public sealed class TrafficClassSharingTests
{
    private const double Start = 1;
    private const double End = 4;

    [TestMethod]
    public void AllClassesSaturatingEachGetsItsShare()
    {
        var rig = new Rig();
        rig.Run();

        Expect.Within(100, rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
        Expect.Within(70, rig.Exchange.MbpsBetween(Start, End), 0.01, "Exchange");
        Expect.Within(30, rig.Backup.MbpsBetween(Start, End), 0.01, "backup");
        Expect.Within(800, rig.Noise.MbpsBetween(Start, End), 0.01, "the other vNIC");
    }

    [TestMethod]
    public void IdleBackupIsLentInProportionToCommittedRatesAtEqualPriority()
    {
        var rig = new Rig();
        rig.Backup.OfferedRate = 0;
        rig.Run();

        // 30 Mb/s of spare split 100 : 70.
        Expect.Within(100 + (30 * 100.0 / 170), rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
        Expect.Within(70 + (30 * 70.0 / 170), rig.Exchange.MbpsBetween(Start, End), 0.01, "Exchange");
        Expect.Within(800, rig.Noise.MbpsBetween(Start, End), 0.01, "the other vNIC");
    }

    [TestMethod]
    public void IdleBackupIsLentToTheHigherPriorityClassFirst()
    {
        var rig = new Rig(sapPriority: 1, exchangePriority: 2);
        rig.Backup.OfferedRate = 0;
        rig.Run();

        Expect.Within(130, rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
        Expect.Within(70, rig.Exchange.MbpsBetween(Start, End), 0.01, "Exchange");
    }

    [TestMethod]
    public void BackupBelowItsShareLendsOnlyWhatItDoesNotUse()
    {
        var rig = new Rig();
        rig.Backup.OfferedRate = Rates.Mbps(10);
        rig.Run();

        Expect.Within(10, rig.Backup.MbpsBetween(Start, End), 0.01, "backup");
        Expect.Within(100 + (20 * 100.0 / 170), rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
        Expect.Within(70 + (20 * 70.0 / 170), rig.Exchange.MbpsBetween(Start, End), 0.01, "Exchange");
    }

    [TestMethod]
    public void OneClassAloneGetsUpToTheVnicCeiling()
    {
        var rig = new Rig();
        rig.Exchange.OfferedRate = 0;
        rig.Backup.OfferedRate = 0;
        rig.Run();

        Expect.Within(200, rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
    }

    [TestMethod]
    public void OneClassAloneStopsAtItsOwnCeiling()
    {
        var rig = new Rig(sapCeilingMbps: 150);
        rig.Exchange.OfferedRate = 0;
        rig.Backup.OfferedRate = 0;
        rig.Run();

        Expect.Within(150, rig.Sap.MbpsBetween(Start, End), 0.01, "SAP");
        Expect.Within(850, rig.Noise.MbpsBetween(Start, End), 0.01, "the other vNIC");
    }

    [TestMethod]
    public void ClassifiedFramesLandInTheirClasses()
    {
        var classifier = new TrafficClassifier(
            defaultClass: 2,
            [new TrafficClassRule(3200, 3299, TrafficProtocols.Tcp, 0), new TrafficClassRule(135, TrafficProtocols.Tcp, 1)]);
        Assert.AreEqual(0, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 51000, 3210)));
        Assert.AreEqual(1, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 135, 51000)));
        Assert.AreEqual(2, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 51000, 10000)));
    }

    private sealed class Rig
    {
        private readonly ManualClock _clock = new();
        private readonly PortSimulation _sim;

        public Rig(int sapPriority = 3, int exchangePriority = 3, double? sapCeilingMbps = null)
        {
            Port = new PortScheduler(Rates.Mbps(1000), _clock);
            var vnic = Port.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200), Priority = 3 });
            var sap = Port.AddClass(vnic, "sap", new QosSettings
            {
                CommittedRate = Rates.Mbps(100),
                Ceiling = sapCeilingMbps is { } c ? Rates.Mbps(c) : null,
                Priority = sapPriority,
            });
            var exchange = Port.AddClass(vnic, "exchange", new QosSettings { CommittedRate = Rates.Mbps(70), Priority = exchangePriority });
            var backup = Port.AddClass(vnic, "backup", new QosSettings { CommittedRate = Rates.Mbps(30), Priority = 3 });
            var other = Port.AddFlow("other", new QosSettings { Priority = 3 });
            _sim = new PortSimulation(_clock, new SchedulerPort(Port));
            Sap = _sim.AddSource(sap);
            Exchange = _sim.AddSource(exchange);
            Backup = _sim.AddSource(backup);
            Noise = _sim.AddSource(other);
        }

        public PortScheduler Port { get; }

        public PortSimulation.Source Sap { get; }

        public PortSimulation.Source Exchange { get; }

        public PortSimulation.Source Backup { get; }

        public PortSimulation.Source Noise { get; }

        public void Run() => _sim.RunFor(TimeSpan.FromSeconds(End));
    }
}
