using ParaIo.Backend.Fabric;
using ParaIo.Backend.Qos;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>The runtime follows the catalog: a vNIC's flow on its port's shaper and a vHBA's gate change with every create, set and delete.</summary>
[TestClass]
public sealed class DataPathTests
{
    [TestMethod]
    public void AVnicIsInTheDirectoryWithItsMacBridgeAndAFlowThatFollowsSetAndDelete()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        var paper = fabric.Catalog.CreateProfile("erp", "paper", []);
        var vnic = fabric.Catalog.FindVnic(paper.Vnics.Single())!;

        var binding = runtime.VnicPorts.Find(vnic.Name)!;
        var flow = binding.Egress!;
        var created = flow.Snapshot();
        fabric.Catalog.ChangeVnic(vnic.Name, q => q with { CommittedRate = 300 * TestFabric.Mbps, Ceiling = null, Classes = [TrafficClass.Parse("ssh:10M:tcp/22")] });
        var changed = flow.Snapshot();
        fabric.Catalog.DeleteProfile("erp", _ => false);

        Assert.AreEqual((vnic.Mac, "br0"), (binding.Mac, binding.Bridge));
        Assert.AreSame(runtime.VnicPorts.Shaper("nic0/0"), flow.Shaper);
        Assert.AreEqual((200 * TestFabric.Mbps, (long?)(200 * TestFabric.Mbps), 2), (created.CommittedRate, created.Ceiling, created.Priority));
        CollectionAssert.IsSubsetOf(new[] { "sap", "exchange", "backup" }, created.Classes.Select(c => c.Name).ToArray());
        Assert.AreEqual(30 * TestFabric.Mbps, created.Classes.Single(c => c.Name == "backup").CommittedRate);
        Assert.AreEqual((300 * TestFabric.Mbps, (long?)null), (changed.CommittedRate, changed.Ceiling));
        CollectionAssert.DoesNotContain(changed.Classes.Select(c => c.Name).ToArray(), "sap");
        CollectionAssert.Contains(changed.Classes.Select(c => c.Name).ToArray(), "ssh");
        Assert.IsNull(runtime.VnicPorts.Find(vnic.Name));
        Assert.IsTrue(flow.IsRemoved);
    }

    [TestMethod]
    public void VnicsAndVhbasThereAtStartGetTheirFlows()
    {
        using var fabric = new TestFabric();
        fabric.Catalog.CreateVnic("a", "nic1/1", TestFabric.Vnic(50));
        fabric.Catalog.CreateVhba("h", "hba0/0", TestFabric.Vhba(10));
        fabric.Restart();

        using var runtime = new FabricRuntime(fabric.Catalog);

        Assert.AreEqual(50 * TestFabric.Mbps, runtime.VnicCounters("a")!.CommittedRate);
        Assert.AreEqual("a", runtime.VnicPorts.Shaper("nic1/1")!.Flows.Single().Name);
        Assert.AreEqual(10 * TestFabric.Mbps, runtime.VhbaPorts.Flow("h")!.Settings.CommittedRate);
        Assert.AreEqual(10_000 * TestFabric.Mbps, runtime.VnicPorts.Shaper("nic1/1")!.Scheduler.LineRate);
        Assert.AreEqual("port", runtime.PortCounters(fabric.Configuration.FindPort("hba0/0", FabricModuleKind.Vhba))!.Value.Name);
    }

    [TestMethod]
    public async Task AVhbaDiskIsServedBehindTheVhbasGateWhichItsDeletionCloses()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        fabric.CreateDisk("L");
        var h1 = fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba(iops: 100));
        fabric.Catalog.CreateLun("L", [h1.Wwpn]);

        var gate = (GatedLun)runtime.OpenLun("h1", "L");
        var again = runtime.OpenLun("h1", "L");
        var flow = runtime.VhbaPorts.Flow("h1");
        await gate.WriteAsync(0, new byte[4096]);
        var admitted = runtime.VhbaCounters("h1")!.Value;
        fabric.Catalog.DeleteVhba("h1");

        Assert.AreSame(gate, again, "one gate a vHBA and LUN");
        Assert.AreSame(flow, gate.Flow);
        Assert.AreEqual((4096L, 1L), (admitted.BytesSent, admitted.OpsSent));
        Assert.IsTrue(gate.IsClosed);
        await Assert.ThrowsExactlyAsync<IOException>(() => gate.WriteAsync(0, new byte[512]).AsTask());
    }
}
