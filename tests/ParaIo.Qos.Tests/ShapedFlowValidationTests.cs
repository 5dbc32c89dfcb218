using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Bad vNIC and class configurations are refused with a message that names the culprit, and change nothing.</summary>
[TestClass]
public sealed class ShapedFlowValidationTests
{
    private static readonly QosSettings Vnic = new() { CommittedRate = Rates.Mbps(200), Ceiling = Rates.Mbps(200) };

    [TestMethod]
    public void DuplicateClassNamesAreRefused()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());

        var e = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100), Class("backup", 30), Class("sap", 70)]));

        StringAssert.Contains(e.Message, "class 'sap' is listed twice");
        Assert.IsEmpty(shaper.Flows);
    }

    [TestMethod]
    public void NegativeRatesAreRefused()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());

        var committed = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", -1)]));
        var ceiling = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 0) with { Ceiling = -5 }]));
        var below = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100) with { Ceiling = Rates.Mbps(50) }]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => shaper.AddFlow("vnic", new QosSettings { CommittedRate = -1 }, []));

        StringAssert.Contains(committed.Message, "class 'SAP': the committed rate -125000 is negative");
        StringAssert.Contains(ceiling.Message, "class 'SAP': the ceiling -5 is negative");
        StringAssert.Contains(below.Message, "is below the committed rate");
        Assert.IsEmpty(shaper.Flows);
    }

    [TestMethod]
    public void BadPrioritiesRulesAndNamesAreRefused()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());

        var priority = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100) with { Priority = 8 }]));
        var range = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100) with { Rules = [new TrafficClassRule(90, 80, TrafficProtocols.Tcp, 0)] }]));
        var protocols = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100) with { Rules = [new TrafficClassRule(80, TrafficProtocols.None, 0)] }]));
        var unnamed = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class(" ", 100)]));
        var noRules = Assert.ThrowsExactly<ArgumentException>(() => shaper.AddFlow("vnic", Vnic, [Class("SAP", 100) with { Rules = null! }]));

        StringAssert.Contains(priority.Message, "priority 8 is not in 0 (highest) .. 7 (lowest)");
        StringAssert.Contains(range.Message, "the port range 90-80 ends before it starts");
        StringAssert.Contains(protocols.Message, "matches neither TCP nor UDP");
        StringAssert.Contains(unnamed.Message, "a class has no name");
        StringAssert.Contains(noRules.Message, "the rule list is null");
    }

    [TestMethod]
    public void ARefusedUpdateChangesNothing()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());
        var vnic = shaper.AddFlow("vnic", Vnic, [Class("SAP", 100)]);

        Assert.ThrowsExactly<ArgumentException>(() => shaper.Update(vnic, Vnic with { CommittedRate = Rates.Mbps(10) }, [Class("SAP", 100), Class("SAP", 70)]));

        var snapshot = vnic.Snapshot();
        Assert.AreEqual(Rates.Mbps(200), snapshot.CommittedRate);
        CollectionAssert.AreEqual(new[] { "SAP", "default" }, snapshot.Classes.Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void UpdateOfARemovedFlowIsRefused()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());
        var vnic = shaper.AddFlow("vnic", Vnic, []);
        shaper.Remove(vnic);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => shaper.Update(vnic, Vnic, []));

        StringAssert.Contains(e.Message, "vNIC 'vnic' was removed from port 'port0'");
        shaper.Remove(vnic); // a second removal is harmless
    }

    [TestMethod]
    public void AFlowOfAnotherPortOrATakenNameIsRefused()
    {
        using var port0 = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());
        using var port1 = new EgressShaper("port1", Rates.Mbps(1000), new SteppedClock());
        var vnic = port0.AddFlow("vnic", Vnic, []);

        var foreign = Assert.ThrowsExactly<ArgumentException>(() => port1.Update(vnic, Vnic, []));
        var taken = Assert.ThrowsExactly<ArgumentException>(() => port0.AddFlow("vnic", Vnic, []));

        StringAssert.Contains(foreign.Message, "vNIC 'vnic' sends through port 'port0', not 'port1'");
        StringAssert.Contains(taken.Message, "Port 'port0' has a vNIC named 'vnic' already");
    }

    [TestMethod]
    public void AClassNamedDefaultConfiguresTheDefaultClass()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(1000), new SteppedClock());

        var vnic = shaper.AddFlow("vnic", Vnic, [new TrafficClassSpec("Default", Rates.Mbps(20), Rates.Mbps(50), 3, []), Class("SAP", 100)]);

        var classes = vnic.Snapshot().Classes;
        CollectionAssert.AreEqual(new[] { "Default", "SAP" }, classes.Select(c => c.Name).ToArray());
        Assert.AreEqual(Rates.Mbps(20), classes[0].CommittedRate);
        Assert.AreEqual(Rates.Mbps(50), classes[0].Ceiling);
        Assert.AreEqual(3, classes[0].Priority);
    }

    private static TrafficClassSpec Class(string name, double mbps) => new(name, Rates.Mbps(mbps), null, 0, [new TrafficClassRule(80, TrafficProtocols.Tcp, 0)]);
}
