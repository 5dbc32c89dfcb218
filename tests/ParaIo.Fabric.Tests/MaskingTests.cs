using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Fabric;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>LUN masking as BlkBack applies it: <c>vbd,vhba=…,lun=…</c> is served only while the LUN is masked to the vHBA's WWPN.</summary>
[TestClass]
public sealed class MaskingTests
{
    private static readonly DeviceAddress s_address = new(1, "vbd", 0);

    [TestMethod]
    public void AVhbaDeviceIsRefusedUntilItsLunIsMaskedAndAgainAfterUnmask()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        var driver = new BlockBackendDriver(new VbdResolver(fabric.Disks, runtime).Resolve);
        fabric.CreateDisk("L");
        fabric.Catalog.CreateLun("L", []);
        var h1 = fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba());
        var device = DeviceSpec.Parse("vbd,vhba=h1,lun=L", 0).EffectiveSettings;
        driver.ValidateSettings(device);

        var before = Assert.ThrowsExactly<DeviceRejectedException>(() => driver.BackendKeys(s_address, device));
        fabric.Catalog.Mask("L", h1.Wwpn);
        var served = driver.BackendKeys(s_address, device);
        fabric.Catalog.Unmask("L", h1.Wwpn);
        var after = Assert.ThrowsExactly<DeviceRejectedException>(() => driver.BackendKeys(s_address, device));

        Assert.AreEqual($"LUN 'L' is not masked to vHBA 'h1' (WWPN {h1.Wwpn}); paraioctl lun mask L h1 lets it see the LUN", before.Message);
        Assert.AreEqual("2048", served["sectors"]);
        Assert.AreEqual(before.Message, after.Message);
    }

    [TestMethod]
    public void AMaskNamesAWwpnSoAnotherVhbaDoesNotSeeTheLun()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        fabric.CreateDisk("L");
        var h1 = fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba());
        fabric.Catalog.CreateVhba("h2", "hba0/0", TestFabric.Vhba());
        fabric.Catalog.CreateLun("L", [fabric.Catalog.ResolveWwpn("h1")]);

        Assert.IsNotNull(runtime.OpenLun("h1", "L"));
        Assert.ThrowsExactly<DeviceRejectedException>(() => runtime.OpenLun("h2", "L"));
        CollectionAssert.AreEqual(new[] { "L" }, fabric.Catalog.LunsOf("h1").Select(l => l.Name).ToArray());
        Assert.AreEqual(0, fabric.Catalog.LunsOf("h2").Count);
        Assert.AreEqual(h1.Wwpn, fabric.Catalog.ResolveWwpn(h1.Wwpn.ToString()));
    }

    [TestMethod]
    public void ADeletedVhbasWwpnIsUnmaskedSoAnAdapterGivenItLaterSeesNothing()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        fabric.CreateDisk("L");
        var h1 = fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba());
        var h2 = fabric.Catalog.CreateVhba("h2", "hba0/0", TestFabric.Vhba());
        fabric.Catalog.CreateLun("L", [h1.Wwpn, h2.Wwpn]);

        fabric.Catalog.DeleteVhba("h1");
        fabric.Catalog.CreateVhba("again", "hba0/0", TestFabric.Vhba(), h1.Wwpn);

        CollectionAssert.AreEqual(new[] { h2.Wwpn }, fabric.Catalog.FindLun("L")!.Masks.ToArray());
        Assert.ThrowsExactly<DeviceRejectedException>(() => runtime.OpenLun("again", "L"));
    }

    [TestMethod]
    public void UnknownVhbasLunsAndHalfSettingsAreRefusedWithTheReason()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);
        var driver = new BlockBackendDriver(new VbdResolver(fabric.Disks, runtime).Resolve);
        fabric.CreateDisk("L");
        fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba());

        var noVhba = Assert.ThrowsExactly<DeviceRejectedException>(() => driver.BackendKeys(s_address, DeviceSpec.Parse("vbd,vhba=h9,lun=L", 0).EffectiveSettings));
        var noLun = Assert.ThrowsExactly<DeviceRejectedException>(() => driver.BackendKeys(s_address, DeviceSpec.Parse("vbd,vhba=h1,lun=L", 0).EffectiveSettings));
        var half = Assert.ThrowsExactly<ArgumentException>(() => driver.ValidateSettings(DeviceSpec.Parse("vbd,vhba=h1", 0).EffectiveSettings));
        var both = Assert.ThrowsExactly<ArgumentException>(() => driver.ValidateSettings(DeviceSpec.Parse("vbd,vhba=h1,lun=L,disk=L", 0).EffectiveSettings));
        var noDisk = Assert.ThrowsExactly<KeyNotFoundException>(() => fabric.Catalog.CreateLun("nosuch", []));
        var noLunToUnmask = Assert.ThrowsExactly<KeyNotFoundException>(() => fabric.Catalog.Unmask("L", fabric.Catalog.ResolveWwpn("h1")));

        Assert.AreEqual("there is no vHBA named 'h9'", noVhba.Message);
        Assert.AreEqual("there is no LUN named 'L' (paraioctl lun create)", noLun.Message);
        StringAssert.Contains(half.Message, "vhba=NAME,lun=LUN");
        StringAssert.Contains(both.Message, "one of the two, whole");
        StringAssert.Contains(noDisk.Message, "no disk named 'nosuch'");
        StringAssert.Contains(noLunToUnmask.Message, "no LUN named 'L'");
    }

    [TestMethod]
    public void AVhbaGetsAFlowInItsPortsSchedulerThatFollowsSetAndDelete()
    {
        using var fabric = new TestFabric();
        using var runtime = new FabricRuntime(fabric.Catalog);

        fabric.Catalog.CreateVhba("h1", "hba0/0", TestFabric.Vhba(100, limitMbps: 400, iops: 2000, priority: 3));
        var flow = runtime.VhbaPorts.Flow("h1")!;
        var created = flow.Settings;
        fabric.Catalog.ChangeVhba("h1", q => q with { IopsLimit = 500, Priority = 1 });
        var changed = flow.Settings;
        fabric.Catalog.DeleteVhba("h1");

        Assert.AreEqual(100 * TestFabric.Mbps, created.CommittedRate);
        Assert.AreEqual(400 * TestFabric.Mbps, created.Ceiling);
        Assert.AreEqual(2000, created.OpsLimit);
        Assert.AreEqual((500L, 1), (changed.OpsLimit!.Value, changed.Priority));
        Assert.IsTrue(flow.IsRemoved);
        Assert.IsNull(runtime.VhbaPorts.Flow("h1"));
        Assert.AreEqual(4000 * TestFabric.Mbps, runtime.VhbaPorts.Port("hba0/0")!.LineRate);
    }
}
