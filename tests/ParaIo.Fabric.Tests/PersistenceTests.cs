using ParaIo.Backend.Fabric;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Fabric.Tests;

/// <summary>fabric.json: everything comes back after a restart, identities included, and the pools resume where they were.</summary>
[TestClass]
public sealed class PersistenceTests
{
    [TestMethod]
    public async Task ARestartedDaemonHasTheSameFabricAndIdentities()
    {
        using var fabric = new TestFabric();
        var domains = new FakeDomains();
        fabric.CreateDisk("data");
        fabric.Catalog.CreateLun("data", []);
        fabric.Catalog.CreateProfile("web", "default", ["data"]);
        var paper = fabric.Catalog.CreateProfile("sap", "paper", []);
        var own = fabric.Catalog.CreateVnic("own", "nic1/1", TestFabric.Vnic(300, ceilingMbps: 500));
        await domains.CreateAsync("web1", []);
        await domains.Binder(fabric.Catalog).BindAsync("web", "web1", CancellationToken.None);
        var vnics = fabric.Catalog.Vnics;
        var vhbas = fabric.Catalog.Vhbas;
        var luns = fabric.Catalog.Luns;
        var profiles = fabric.Catalog.Profiles;

        fabric.Restart();

        CollectionAssert.AreEqual(vnics.Select(Describe).ToList(), fabric.Catalog.Vnics.Select(Describe).ToList());
        CollectionAssert.AreEqual(vhbas.ToList(), fabric.Catalog.Vhbas.ToList());
        CollectionAssert.AreEqual(luns.Select(l => $"{l.Name} {string.Join(',', l.Masks)}").ToList(), fabric.Catalog.Luns.Select(l => $"{l.Name} {string.Join(',', l.Masks)}").ToList());
        CollectionAssert.AreEqual(profiles.Select(p => $"{p.Name} {p.Template} {p.Domain} {string.Join(',', p.Vnics)} {string.Join(',', p.Vhbas)}").ToList(), fabric.Catalog.Profiles.Select(p => $"{p.Name} {p.Template} {p.Domain} {string.Join(',', p.Vnics)} {string.Join(',', p.Vhbas)}").ToList());
        Assert.AreEqual("web1", fabric.Catalog.FindProfile("web")!.Domain);
        Assert.AreEqual("sap:100M:tcp/3200-3299", fabric.Catalog.FindVnic(paper.Vnics[0])!.Qos.Classes[0].ToString());

        // The pool resumes after the identities handed out before the restart.
        var next = fabric.Catalog.CreateVnic("after", "nic1/1", TestFabric.Vnic(0));
        Assert.IsFalse(vnics.Any(v => v.Mac == next.Mac), $"{next.Mac} was handed out before the restart");
        Assert.AreEqual(own.Mac.Value + 1, next.Mac.Value);
    }

    [TestMethod]
    public void TheStateFileIsReadableByTheDaemonsUserOnly()
    {
        using var fabric = new TestFabric();

        fabric.Catalog.CreateVnic("a", "nic0/0", TestFabric.Vnic(10));

        var file = Path.Combine(fabric.StateDirectory, "fabric.json");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        StringAssert.Contains(File.ReadAllText(file), "\"mac\": \"02:50:10:00:00:00\"");
    }

    [TestMethod]
    public void AStateFileThatIsNotAFabricStopsTheStartWithItsName()
    {
        using var fabric = new TestFabric();
        File.WriteAllText(Path.Combine(fabric.StateDirectory, "fabric.json"), "{\"vnics\": 3}");

        var refused = Assert.ThrowsExactly<InvalidDataException>(fabric.Restart);

        StringAssert.Contains(refused.Message, "fabric.json is not a fabric");
    }

    private static string Describe(VnicRecord vnic) =>
        $"{vnic.Name} {vnic.Mac} {vnic.Port} {vnic.Profile} {vnic.Qos.CommittedRate} {vnic.Qos.Ceiling} {vnic.Qos.Priority} {string.Join(' ', vnic.Qos.Classes)}";
}
