using ParaIo.Backend.Fabric;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>Server profiles: made from templates before their guest exists, bound at creation or later, moved between domains with their identities.</summary>
[TestClass]
public sealed class ProfileTests
{
    [TestMethod]
    public async Task AProfileMadeBeforeItsDomainGivesTheNewDomainItsDevicesAndIdentities()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        fabric.CreateDisk("data");
        fabric.CreateDisk("logs");
        fabric.Catalog.CreateLun("data", []);
        fabric.Catalog.CreateLun("logs", []);
        var profile = fabric.Catalog.CreateProfile("web", "default", ["data"]);
        var vnic = fabric.Catalog.FindVnic("web-nic0")!;
        var vhba = fabric.Catalog.FindVhba("web-hba0")!;

        var domain = await domains.Binder(fabric.Catalog).CreateDomainAsync("web", "web1", ["loop"], devices => domains.CreateAsync("web1", devices));

        CollectionAssert.AreEqual(new[] { "loop:0", "vif:0,vnic=web-nic0", "vbd:0,lun=data,vhba=web-hba0" }, domain.Devices.Select(d => d.ToString()).ToArray());
        Assert.AreEqual("web1", fabric.Catalog.FindProfile("web")!.Domain);
        Assert.AreEqual("nic0/0", vnic.Port);
        Assert.AreEqual(100 * TestFabric.Mbps, vnic.Qos.CommittedRate);
        Assert.AreEqual("web", vnic.Profile);
        CollectionAssert.AreEqual(new[] { vhba.Wwpn }, fabric.Catalog.FindLun("data")!.Masks.ToArray());
        Assert.AreEqual(0, fabric.Catalog.FindLun("logs")!.Masks.Count);
        CollectionAssert.AreEqual(new[] { "web-nic0" }, profile.Vnics.ToArray());
    }

    [TestMethod]
    public async Task UnbindThenBindElsewhereKeepsMacsWwpnsQosAndMasking()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        var binder = domains.Binder(fabric.Catalog);
        fabric.CreateDisk("data");
        fabric.Catalog.CreateLun("data", []);
        fabric.Catalog.CreateProfile("web", "default", ["data"]);
        await domains.CreateAsync("web1", ["vif"]);
        await domains.CreateAsync("web2", ["vbd,disk=data,mode=r"]);
        await binder.BindAsync("web", "web1", CancellationToken.None);
        fabric.Catalog.ChangeVnic("web-nic0", q => q with { Priority = 1, Classes = [TrafficClass.Parse("ssh:10M:tcp/22")] });
        var vnic = fabric.Catalog.FindVnic("web-nic0");
        var vhba = fabric.Catalog.FindVhba("web-hba0");
        var masks = fabric.Catalog.FindLun("data")!.Masks;
        var onWeb1 = domains["web1"].Devices.Select(d => d.ToString()).ToArray();

        var from = await binder.UnbindAsync("web", CancellationToken.None);
        var left = domains["web1"].Devices.Select(d => d.ToString()).ToArray();
        await binder.BindAsync("web", "web2", CancellationToken.None);

        CollectionAssert.AreEqual(new[] { "vif:0", "vif:1,vnic=web-nic0", "vbd:0,lun=data,vhba=web-hba0" }, onWeb1);
        Assert.AreEqual("web1", from);
        CollectionAssert.AreEqual(new[] { "vif:0" }, left);
        CollectionAssert.AreEqual(new[] { "vbd:0,disk=data,mode=r", "vif:0,vnic=web-nic0", "vbd:1,lun=data,vhba=web-hba0" }, domains["web2"].Devices.Select(d => d.ToString()).ToArray());
        Assert.AreEqual(vnic!.Mac, fabric.Catalog.FindVnic("web-nic0")!.Mac);
        Assert.AreEqual("ssh:10M:tcp/22", fabric.Catalog.FindVnic("web-nic0")!.Qos.Classes.Single().ToString());
        Assert.AreEqual(1, fabric.Catalog.FindVnic("web-nic0")!.Qos.Priority);
        Assert.AreEqual(vhba, fabric.Catalog.FindVhba("web-hba0"));
        CollectionAssert.AreEqual(masks.ToArray(), fabric.Catalog.FindLun("data")!.Masks.ToArray());
        Assert.AreEqual("web2", fabric.Catalog.FindProfile("web")!.Domain);
    }

    [TestMethod]
    public async Task ABoundProfileIsNotBoundTwiceAndADomainHasOneProfile()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        var binder = domains.Binder(fabric.Catalog);
        fabric.Catalog.CreateProfile("a", "default", []);
        fabric.Catalog.CreateProfile("b", "default", []);
        await domains.CreateAsync("web1", []);
        await domains.CreateAsync("web2", []);
        await binder.BindAsync("a", "web1", CancellationToken.None);

        var elsewhere = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => binder.BindAsync("a", "web2", CancellationToken.None));
        var second = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => binder.BindAsync("b", "web1", CancellationToken.None));
        var delete = Assert.ThrowsExactly<InvalidOperationException>(() => fabric.Catalog.DeleteProfile("a", domains.Exists));
        var vnic = Assert.ThrowsExactly<InvalidOperationException>(() => fabric.Catalog.DeleteVnic("a-nic0"));

        Assert.AreEqual("Profile 'a' is bound to domain 'web1'; unbind it first (paraioctl profile unbind a).", elsewhere.Message);
        Assert.AreEqual("Domain 'web1' has profile 'a' bound; a domain has one profile.", second.Message);
        StringAssert.Contains(delete.Message, "is bound to domain 'web1'");
        StringAssert.Contains(vnic.Message, "belongs to profile 'a'");
        Assert.AreEqual(0, domains["web2"].Devices.Count);
        Assert.IsNull(fabric.Catalog.FindProfile("b")!.Domain);
    }

    [TestMethod]
    public async Task ADomainThatRefusesTheDevicesLeavesTheProfileUnboundAndADestroyedOneFreesIt()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        var binder = domains.Binder(fabric.Catalog);
        fabric.Catalog.CreateProfile("a", "default", []);
        await domains.CreateAsync("web1", []);
        await domains.CreateAsync("web2", []);
        domains.Running.Add("web1");

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => binder.BindAsync("a", "web1", CancellationToken.None));
        Assert.IsNull(fabric.Catalog.FindProfile("a")!.Domain);

        domains.Running.Clear();
        await binder.BindAsync("a", "web1", CancellationToken.None);
        domains.Destroy("web1");
        await binder.BindAsync("a", "web2", CancellationToken.None);
        Assert.AreEqual("web2", fabric.Catalog.FindProfile("a")!.Domain);
    }

    [TestMethod]
    public async Task ABindUnderWayIsNotTakenOverByAnotherEvenBeforeItsDomainExists()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        fabric.Catalog.CreateProfile("a", "default", []);
        var release = new TaskCompletionSource();
        var binder = domains.Binder(fabric.Catalog);

        var first = binder.CreateDomainAsync("a", "web1", [], async devices =>
        {
            await release.Task;
            return await domains.CreateAsync("web1", devices);
        });
        var second = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => binder.CreateDomainAsync("a", "web2", [], devices => domains.CreateAsync("web2", devices)));
        var delete = Assert.ThrowsExactly<InvalidOperationException>(() => fabric.Catalog.DeleteProfile("a", domains.Exists));
        release.SetResult();
        await first;

        Assert.AreEqual("Profile 'a' is being bound or unbound right now.", second.Message);
        StringAssert.Contains(delete.Message, "is bound to domain 'web1'");
        Assert.IsFalse(domains.Exists("web2"));
        Assert.AreEqual("web1", fabric.Catalog.FindProfile("a")!.Domain);
        Assert.AreEqual("web1", await binder.UnbindAsync("a", CancellationToken.None));
    }

    [TestMethod]
    public async Task AnUnbindTheDomainRefusesLeavesTheProfileBound()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        var binder = domains.Binder(fabric.Catalog);
        fabric.Catalog.CreateProfile("a", "default", []);
        await binder.CreateDomainAsync("a", "web1", [], devices => domains.CreateAsync("web1", devices));
        domains.Running.Add("web1");

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => binder.UnbindAsync("a", CancellationToken.None));

        Assert.AreEqual("web1", fabric.Catalog.FindProfile("a")!.Domain);
        Assert.AreEqual(1, domains["web1"].Devices.Count);
        domains.Running.Clear();
        await binder.UnbindAsync("a", CancellationToken.None);
        Assert.AreEqual(0, domains["web1"].Devices.Count);
    }

    [TestMethod]
    public async Task ALunMaskedToABoundProfilesVhbaIsAddedToItsDomainOnce()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        var binder = domains.Binder(fabric.Catalog);
        fabric.Catalog.CreateProfile("web", "default", []);
        fabric.Catalog.CreateProfile("idle", "default", []);
        await binder.CreateDomainAsync("web", "web1", ["loop"], devices => domains.CreateAsync("web1", devices));
        fabric.CreateDisk("logs");
        fabric.Catalog.CreateLun("logs", [fabric.Catalog.ResolveWwpn("web-hba0")]);

        var added = await binder.AddNewDevicesAsync("web", CancellationToken.None);
        var again = await binder.AddNewDevicesAsync("web", CancellationToken.None);
        var unbound = await binder.AddNewDevicesAsync("idle", CancellationToken.None);

        CollectionAssert.AreEqual(new[] { "vbd:0,lun=logs,vhba=web-hba0" }, added.Select(d => d.ToString()).ToArray());
        Assert.AreEqual(0, again.Count + unbound.Count);
        CollectionAssert.AreEqual(new[] { "loop:0", "vif:0,vnic=web-nic0", "vbd:0,lun=logs,vhba=web-hba0" }, domains["web1"].Devices.Select(d => d.ToString()).ToArray());
    }

    [TestMethod]
    public void AProfileThatDoesNotFitLeavesNothingBehind()
    {
        using var fabric = new TestFabric();
        fabric.Catalog.CreateVnic("big", "nic0/0", TestFabric.Vnic(950));
        fabric.Catalog.CreateVhba("first", "hba0/0", TestFabric.Vhba());
        var first = fabric.Catalog.FindVhba("first")!;

        var refused = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateProfile("web", "default", []));
        var next = fabric.Catalog.CreateVhba("next", "hba0/0", TestFabric.Vhba());

        StringAssert.Contains(refused.Message, "committing 100 Mb/s to 'web-nic0' would make 1.05 Gb/s");
        Assert.IsNull(fabric.Catalog.FindProfile("web"));
        Assert.AreEqual(1, fabric.Catalog.Vnics.Count);
        Assert.AreEqual(first.Wwpn.Value + 1, next.Wwpn.Value);
    }

    [TestMethod]
    public void DeletingAnUnboundProfileReleasesItsAdaptersAndUnmasksItsWwpns()
    {
        using var fabric = new TestFabric();
        fabric.CreateDisk("data");
        var other = fabric.Catalog.CreateVhba("other", "hba0/0", TestFabric.Vhba());
        fabric.Catalog.CreateLun("data", [other.Wwpn]);
        fabric.Catalog.CreateProfile("web", "default", ["data"]);

        fabric.Catalog.DeleteProfile("web", _ => false);

        Assert.IsNull(fabric.Catalog.FindVnic("web-nic0"));
        Assert.IsNull(fabric.Catalog.FindVhba("web-hba0"));
        CollectionAssert.AreEqual(new[] { other.Wwpn }, fabric.Catalog.FindLun("data")!.Masks.ToArray());
        Assert.AreEqual(0, fabric.Catalog.Profiles.Count);
    }

    [TestMethod]
    public void UnknownTemplatesAndLunsAreRefusedByName()
    {
        using var fabric = new TestFabric();

        var template = Assert.ThrowsExactly<KeyNotFoundException>(() => fabric.Catalog.CreateProfile("web", "huge", []));
        var lun = Assert.ThrowsExactly<KeyNotFoundException>(() => fabric.Catalog.CreateProfile("web", "default", ["nosuch"]));
        var noVhba = Assert.ThrowsExactly<ArgumentException>(() => fabric.Catalog.CreateProfile("web", "paper", [CreateLun(fabric)]));

        StringAssert.Contains(template.Message, "no profile template 'huge'; templates: default, paper");
        StringAssert.Contains(lun.Message, "no LUN named 'nosuch'");
        StringAssert.Contains(noVhba.Message, "Template 'paper' has no vHBA");
        Assert.AreEqual(0, fabric.Catalog.Vnics.Count);
    }

    private static string CreateLun(TestFabric fabric)
    {
        fabric.CreateDisk("data");
        fabric.Catalog.CreateLun("data", []);
        return "data";
    }
}
