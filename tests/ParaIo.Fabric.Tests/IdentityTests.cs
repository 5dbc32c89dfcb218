using ParaIo.Backend.Bridge;
using ParaIo.Backend.Fabric;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>MACs and WWPNs: from their pools, unique, never handed out twice while held, kept across restarts.</summary>
[TestClass]
public sealed class IdentityTests
{
    [TestMethod]
    public void ProfilesGetDistinctIdentitiesFromThePools()
    {
        using var fabric = new TestFabric();

        var profiles = Enumerable.Range(0, 5).Select(i => fabric.Catalog.CreateProfile($"p{i}", FabricTemplate.DefaultName, [])).ToList();

        var macs = profiles.Select(p => fabric.Catalog.FindVnic(p.Vnics.Single())!.Mac).ToList();
        var wwpns = profiles.Select(p => fabric.Catalog.FindVhba(p.Vhbas.Single())!.Wwpn).ToList();
        Assert.AreEqual(5, macs.Distinct().Count());
        Assert.AreEqual(5, wwpns.Distinct().Count());
        Assert.IsTrue(macs.All(m => m.ToString().StartsWith("02:50:10:", StringComparison.Ordinal) && !m.IsMulticast), string.Join(", ", macs));
        Assert.IsTrue(wwpns.All(w => w.ToString().StartsWith("50:01:43:80:", StringComparison.Ordinal)), string.Join(", ", wwpns));
    }

    [TestMethod]
    public void AnIdentityIsNotHandedOutAgainWhileHeldNorRightAfterRelease()
    {
        using var fabric = new TestFabric();
        var first = fabric.Catalog.CreateVnic("a", "nic1/0", TestFabric.Vnic(0));
        // The next pool value is taken by hand: the pool skips it.
        var next = new MacAddress(first.Mac.Value + 1);
        fabric.Catalog.CreateVnic("manual", "nic1/0", TestFabric.Vnic(0), next);

        var second = fabric.Catalog.CreateVnic("b", "nic1/0", TestFabric.Vnic(0));
        fabric.Catalog.DeleteVnic("a");
        var third = fabric.Catalog.CreateVnic("c", "nic1/0", TestFabric.Vnic(0));

        Assert.AreEqual(first.Mac.Value + 2, second.Mac.Value);
        Assert.AreEqual(second.Mac.Value + 1, third.Mac.Value, "a released MAC comes back only after the pool has gone round");
    }

    [TestMethod]
    public void ADuplicateMacOrWwpnOrNameIsRefused()
    {
        using var fabric = new TestFabric();
        var vnic = fabric.Catalog.CreateVnic("a", "nic1/0", TestFabric.Vnic(0));
        var vhba = fabric.Catalog.CreateVhba("h", "hba0/0", TestFabric.Vhba());

        var mac = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("b", "nic1/0", TestFabric.Vnic(0), vnic.Mac));
        var wwpn = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVhba("h2", "hba0/0", TestFabric.Vhba(), vhba.Wwpn));
        var name = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateVnic("a", "nic1/0", TestFabric.Vnic(0)));

        StringAssert.Contains(mac.Message, $"MAC {vnic.Mac} is vNIC 'a''s already");
        StringAssert.Contains(wwpn.Message, $"WWPN {vhba.Wwpn} is vHBA 'h''s already");
        StringAssert.Contains(name.Message, "A vNIC named 'a' exists already");
        Assert.AreEqual(2, fabric.Catalog.Vnics.Count + fabric.Catalog.Vhbas.Count);
    }

    [TestMethod]
    public void APoolRunsOutWithAClearRefusal()
    {
        // Seven octets of prefix leave 256 WWPNs.
        var pool = new IdentityPool("WWPN", "50:01:43:80:00:00:00", 64);
        var held = new HashSet<ulong>();
        for (var i = 0; i < 256; i++)
        {
            Assert.IsTrue(held.Add(pool.Allocate(held.Contains)));
        }

        var refused = Assert.ThrowsExactly<InvalidOperationException>(() => pool.Allocate(held.Contains));
        StringAssert.Contains(refused.Message, "Every WWPN of the pool is in use");
    }

    [TestMethod]
    public void APoolPrefixMustBeLocallyAdministeredUnicast()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new IdentityPolicy("00:16:3e", "50:01:43:80").CreateMacPool());
        Assert.ThrowsExactly<ArgumentException>(() => new IdentityPolicy("03:00:00", "50:01:43:80").CreateMacPool());
        Assert.ThrowsExactly<ArgumentException>(() => new IdentityPolicy("02:zz", "50:01:43:80").CreateMacPool());
        Assert.AreEqual(0x0a00_0100_0000UL, new IdentityPolicy("0a:00:01", "50:01:43:80").CreateMacPool().Allocate(_ => false));
    }

    [TestMethod]
    public void WwpnsReadAndWriteInTheirUsualForm()
    {
        var wwpn = Wwpn.Parse("50:01:43:80:AB:cd:00:01");

        Assert.AreEqual(0x5001_4380_ABCD_0001UL, wwpn.Value);
        Assert.AreEqual("50:01:43:80:ab:cd:00:01", wwpn.ToString());
        Assert.IsFalse(Wwpn.TryParse("50:01:43:80:ab:cd:00", out _));
        Assert.IsFalse(Wwpn.TryParse("00:00:00:00:00:00:00:00", out _));
        Assert.IsFalse(Wwpn.TryParse("50-01-43-80-ab-cd-00-01", out _));
    }
}
