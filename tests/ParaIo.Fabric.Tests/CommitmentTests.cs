using ParaIo.Backend.Fabric;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>What a port can promise: commitments within its line rate, 256 vNICs a module, classes within their vNIC.</summary>
[TestClass]
public sealed class CommitmentTests
{
    [TestMethod]
    public void CommitmentsOverTheLineRateAreRefusedWithTheFigures()
    {
        using var fabric = new TestFabric();
        fabric.Catalog.CreateVnic("a", "nic0/0", TestFabric.Vnic(600));
        fabric.Catalog.CreateVnic("b", "nic0/0", TestFabric.Vnic(400));

        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("c", "nic0/0", TestFabric.Vnic(1)));

        Assert.AreEqual(
            "Port nic0/0 carries 1 Gb/s and has 1 Gb/s committed to others; committing 1 Mb/s to 'c' would make 1.001 Gb/s, over its line rate.",
            refused.Message);
        Assert.IsNull(fabric.Catalog.FindVnic("c"));
        Assert.AreEqual((1000 * TestFabric.Mbps, 2), fabric.Catalog.Usage(fabric.Configuration.FindPort("nic0/0", FabricModuleKind.Vnic)));
        fabric.Catalog.CreateVnic("best-effort", "nic0/0", TestFabric.Vnic(0));
    }

    [TestMethod]
    public void RaisingACommitmentLiveIsCheckedAgainstTheOthers()
    {
        using var fabric = new TestFabric();
        fabric.Catalog.CreateVnic("a", "nic0/0", TestFabric.Vnic(600));
        fabric.Catalog.CreateVnic("b", "nic0/0", TestFabric.Vnic(300));

        var raised = fabric.Catalog.ChangeVnic("a", q => q with { CommittedRate = 700 * TestFabric.Mbps });
        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.ChangeVnic("b", q => q with { CommittedRate = 301 * TestFabric.Mbps }));

        Assert.AreEqual(700 * TestFabric.Mbps, raised.Qos.CommittedRate);
        StringAssert.Contains(refused.Message, "has 700 Mb/s committed to others; committing 301 Mb/s to 'b' would make 1.001 Gb/s");
        Assert.AreEqual(300 * TestFabric.Mbps, fabric.Catalog.FindVnic("b")!.Qos.CommittedRate);
    }

    [TestMethod]
    public void AVhbaPortHoldsItsCommitmentsToo()
    {
        using var fabric = new TestFabric();
        fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba(3000));

        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVhba("h2", "hba0/0", TestFabric.Vhba(1500)));

        StringAssert.Contains(refused.Message, "Port hba0/0 carries 4 Gb/s and has 3 Gb/s committed to others; committing 1.5 Gb/s to 'h2' would make 4.5 Gb/s");
    }

    [TestMethod]
    public void The257thVnicOfAModuleIsRefusedWhicheverPortItAsksFor()
    {
        using var fabric = new TestFabric();
        for (var i = 0; i < FabricModule.MaxVnics; i++)
        {
            fabric.Catalog.CreateVnic($"v{i}", i % 2 == 0 ? "nic1/0" : "nic1/1", TestFabric.Vnic(1));
        }

        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("v256", "nic1/1", TestFabric.Vnic(0)));

        Assert.AreEqual("VNIC module 'nic1' carries 256 vNICs already, the most a module carries (256).", refused.Message);
        fabric.Catalog.CreateVnic("elsewhere", "nic0/0", TestFabric.Vnic(0));
        Assert.AreEqual(257, fabric.Catalog.Vnics.Count);
    }

    [TestMethod]
    public void ThePapersClassesFitTheirVnicAndOneMoreMegabitDoesNot()
    {
        using var fabric = new TestFabric();
        var paper = fabric.Catalog.CreateProfile("sap", "paper", []);
        var vnic = fabric.Catalog.FindVnic(paper.Vnics.Single())!;

        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.ChangeVnic(vnic.Name, q => q with { Classes = [.. q.Classes, TrafficClass.Parse("web:1M:tcp/80")] }));

        CollectionAssert.AreEqual(new[] { "sap", "exchange", "backup" }, vnic.Qos.Classes.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { 100 * TestFabric.Mbps, 70 * TestFabric.Mbps, 30 * TestFabric.Mbps }, vnic.Qos.Classes.Select(c => c.CommittedRate).ToArray());
        Assert.AreEqual("vNIC 'sap-nic0': its classes commit 201 Mb/s, more than the 200 Mb/s the vNIC is committed.", refused.Message);
    }

    [TestMethod]
    public void BadPortsAndServiceLevelsAreRefusedWithWhatIsExpected()
    {
        using var fabric = new TestFabric();

        var noPort = Assert.ThrowsExactly<KeyNotFoundException>(() => fabric.Catalog.CreateVnic("a", "nic9/0", TestFabric.Vnic(1)));
        var wrongKind = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("a", "hba0/0", TestFabric.Vnic(1)));
        var ceiling = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("a", "nic0/0", TestFabric.Vnic(100, ceilingMbps: 50)));
        var priority = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("a", "nic0/0", TestFabric.Vnic(1, priority: 8)));
        var name = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("a b", "nic0/0", TestFabric.Vnic(1)));

        StringAssert.Contains(noPort.Message, "no fabric port 'nic9/0'; VNIC ports: nic0/0, nic1/0, nic1/1");
        StringAssert.Contains(wrongKind.Message, "Port hba0/0 is on a VHBA module, not a VNIC module");
        StringAssert.Contains(ceiling.Message, "its ceiling 50 Mb/s is below its committed 100 Mb/s");
        StringAssert.Contains(priority.Message, "priority 8 is not in 0 (highest)..7");
        StringAssert.Contains(name.Message, "'a b' is not a vNIC name");
        Assert.AreEqual(0, fabric.Catalog.Vnics.Count);
    }

    [TestMethod]
    public void ClassesAndRatesReadAsOperatorsWriteThem()
    {
        var cls = TrafficClass.Parse("backup:30M:tcp/10000-10100+udp/53:prio=6:ceil=50M");

        Assert.AreEqual(30 * TestFabric.Mbps, cls.CommittedRate);
        Assert.AreEqual(50 * TestFabric.Mbps, cls.Ceiling);
        Assert.AreEqual(6, cls.Priority);
        Assert.AreEqual("backup:30M:tcp/10000-10100+udp/53:prio=6:ceil=50M", cls.ToString());
        Assert.AreEqual(1_500_000_000 / 8, BitRate.Parse("1.5G", "rate"));
        Assert.AreEqual(200 * TestFabric.Mbps, BitRate.Parse("200", "rate"));
        Assert.ThrowsExactly<ArgumentException>(() => TrafficClass.Parse("sap:100M"));
        Assert.ThrowsExactly<ArgumentException>(() => TrafficClass.Parse("sap:100M:sctp/80"));
        Assert.ThrowsExactly<ArgumentException>(() => TrafficClass.Parse("sap:100M:tcp/90-80"));
        Assert.ThrowsExactly<ArgumentException>(() => TrafficClass.Parse("sap:fast:tcp/80"));
        Assert.ThrowsExactly<ArgumentException>(() => TrafficClass.Parse("sap:100M:tcp/80:prio=9"));
        var twice = Assert.ThrowsExactly<ArgumentException>(() => TestFabric.Vnic(200, classes: [TrafficClass.Parse("sap:10M:tcp/1"), TrafficClass.Parse("SAP:10M:tcp/2")]).Validate("v"));
        StringAssert.Contains(twice.Message, "two classes named 'sap'");
    }
}
