using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// The I/O fabric in a real paraiod with real guests: a disk reached through a vHBA is served only
/// while its LUN is masked to that vHBA, a profile made before its domain gives the new domain its
/// disk and its vNIC's MAC and moves to another domain with them, and fabric.json brings every
/// identity back after a restart.
/// </summary>
[TestClass]
public sealed class FabricTests
{
    private const string DiskBytes = "8388608";

    [TestMethod]
    public async Task AVhbaDiskIsServedOnlyWhileItsLunIsMaskedToTheVhba()
    {
        await using var daemon = await Paraiod.StartAsync();
        await daemon.ControlAsync("lun-create", "data", $"size={DiskBytes}");
        await daemon.ControlAsync("vhba-create", "h1", "hba0/0");
        await daemon.ControlAsync("vhba-create", "h2", "hba0/0");
        await daemon.ControlAsync("vhba-set", "h1", "mask=data", "iops=1000");
        var (_, dbToken) = await daemon.CreateDomainAsync("db", "vbd,vhba=h1,lun=data");
        var (_, spyToken) = await daemon.CreateDomainAsync("spy", "vbd,vhba=h2,lun=data");

        using (var db = daemon.StartGuest("db", dbToken))
        {
            var export = JsonDocument.Parse(db.WaitForLine("\"event\":\"export\"", Paraiod.Patience)).RootElement;
            Assert.AreEqual(8L << 20, export.GetProperty("bytes").GetInt64());
        }

        using (var spy = daemon.StartGuest("spy", spyToken))
        {
            daemon.Process.WaitForLine("LUN 'data' is not masked to vHBA 'h2'", Paraiod.Patience);
            Assert.AreEqual(6, (await daemon.DeviceStatesAsync("spy")).Single().Backend, "refused: the backend stays Closed");
            Assert.IsFalse(spy.Output.Contains("\"event\":\"export\"", StringComparison.Ordinal), "nothing to export while refused");

            // Masked while its guest waits, the refused device is offered again and connects.
            await daemon.ControlAsync("lun-mask", "data", "h2");
            spy.WaitForLine("\"event\":\"export\"", Paraiod.Patience);
            await daemon.ControlAsync("lun-unmask", "data", "h2");
        }

        // Unmasked, db's next connect is refused too.
        await daemon.ControlAsync("lun-unmask", "data", "h1");
        using (daemon.StartGuest("db", dbToken))
        {
            daemon.Process.WaitForLine("LUN 'data' is not masked to vHBA 'h1'", Paraiod.Patience);
        }

        Assert.AreEqual(1000, (await daemon.ControlAsync("vhba-list"))[0].GetProperty("iopsLimit").GetInt32());
        var lun = (await daemon.ControlAsync("lun-list"))[0];
        Assert.AreEqual(0, lun.GetProperty("masks").GetArrayLength());
        Assert.AreEqual(2, lun.GetProperty("usedBy").GetArrayLength());
    }

    [TestMethod]
    public async Task AProfileGivesItsDomainItsDiskAndMovesWithItsIdentitiesAcrossARestart()
    {
        // A template of one vHBA, so that the profile's devices need no vNIC data path.
        var config = Path.Combine(Path.GetTempPath(), $"paraio-fabric-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """
            {"Paraiod":{"Fabric":{"Templates":{"storage":{"Vhbas":[{"Port":"hba0/0","Rate":"400M","Iops":5000,"Priority":2}]}}}}}
            """);
        try
        {
            await using var daemon = await Paraiod.StartAsync("", "--config", config);
            await daemon.ControlAsync("lun-create", "data", $"size={DiskBytes}");
            var profile = await daemon.ControlAsync("profile-create", "web", "template=storage", "lun=data");
            var wwpn = profile.GetProperty("vhbas")[0].GetProperty("wwpn").GetString();
            await daemon.ControlAsync("vnic-create", "own", "nic0/0", "rate=300M", "class=ssh:10M:tcp/22");

            var created = await daemon.ControlAsync("profile-domain-create", "web", "web1");
            Assert.AreEqual("vbd:0,lun=data,vhba=web-hba0", created.GetProperty("devices")[0].GetProperty("device").GetString());
            using (var guest = daemon.StartGuest("web1", created.GetProperty("token").GetString()!))
            {
                guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience);
            }

            await daemon.RestartAsync(crash: false);
            var (_, token) = await daemon.CreateDomainAsync("web2");
            await daemon.ControlAsync("profile-unbind", "web");
            var bound = await daemon.ControlAsync("profile-bind", "web", "web2");

            CollectionAssert.AreEqual(new[] { "vbd:0,lun=data,vhba=web-hba0" }, bound.GetProperty("devices").EnumerateArray().Select(d => d.GetString()).ToArray());
            Assert.AreEqual(0, (await daemon.ControlAsync("device-list", "web1")).GetArrayLength());
            var vhba = (await daemon.ControlAsync("vhba-list"))[0];
            Assert.AreEqual(wwpn, vhba.GetProperty("wwpn").GetString());
            Assert.AreEqual(5000, vhba.GetProperty("iopsLimit").GetInt32());
            Assert.AreEqual(50_000_000, vhba.GetProperty("committedRate").GetInt64());
            var own = (await daemon.ControlAsync("vnic-list"))[0];
            Assert.AreEqual("02:50:10:00:00:00", own.GetProperty("mac").GetString());
            Assert.AreEqual("ssh:10M:tcp/22", own.GetProperty("classes")[0].GetProperty("text").GetString());
            using (var guest = daemon.StartGuest("web2", token))
            {
                guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience);

                // Masked to the bound profile's vHBA, a new LUN reaches the running guest.
                await daemon.ControlAsync("lun-create", "logs", "size=1048576");
                await daemon.ControlAsync("lun-mask", "logs", "web-hba0");
                var second = JsonDocument.Parse(guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience, occurrence: 2)).RootElement;
                Assert.AreEqual(1L << 20, second.GetProperty("bytes").GetInt64());
            }
        }
        finally
        {
            File.Delete(config);
        }
    }

    [TestMethod]
    public async Task AProfilesVnicGivesTheGuestsInterfaceItsMacOnWhicheverDomainItIsBoundTo()
    {
        await using var rig = await NetworkRig.StartAsync();
        var daemon = rig.Daemon;
        var profile = await daemon.ControlAsync("profile-create", "web");
        var mac = profile.GetProperty("vnics")[0].GetProperty("mac").GetString();
        var created = await daemon.ControlAsync("profile-domain-create", "web", "web1");
        var (_, web2) = await daemon.CreateDomainAsync("web2");

        using (var guest = daemon.StartGuest("web1", created.GetProperty("token").GetString()!, "--netns", rig.CreateNamespace().Name))
        {
            using var vif = JsonDocument.Parse(guest.WaitForLine("\"event\":\"vif\"", Paraiod.Patience));
            Assert.AreEqual(mac, vif.RootElement.GetProperty("mac").GetString());
        }

        await daemon.ControlAsync("profile-unbind", "web");
        await daemon.ControlAsync("profile-bind", "web", "web2");
        using (var guest = daemon.StartGuest("web2", web2, "--netns", rig.CreateNamespace().Name))
        {
            using var vif = JsonDocument.Parse(guest.WaitForLine("\"event\":\"vif\"", Paraiod.Patience));
            Assert.AreEqual(mac, vif.RootElement.GetProperty("mac").GetString());
        }

        var vnic = (await daemon.ControlAsync("vnic-list"))[0];
        Assert.AreEqual("web2", vnic.GetProperty("usedBy")[0].GetProperty("domain").GetString());
        Assert.AreEqual(12_500_000, vnic.GetProperty("committedRate").GetInt64());
        Assert.AreEqual(JsonValueKind.Object, vnic.GetProperty("counters").ValueKind, "the vNIC has its flow on nic0/0's shaper");
    }

    [TestMethod]
    public async Task ParaiodRefusesBadFabricChangesWithTheReasonAndChangesNothing()
    {
        await using var daemon = await Paraiod.StartAsync();
        await daemon.ControlAsync("vnic-create", "big", "nic0/0", "rate=9.95G");
        await daemon.CreateDomainAsync("erp", "vif,vnic=big");

        var over = await Refusal(daemon, "vnic-create", "small", "nic0/0", "rate=100M");
        var raised = await Refusal(daemon, "vnic-set", "big", "rate=10.1G");
        var port = await Refusal(daemon, "vnic-create", "x", "nic7/0");
        var cls = await Refusal(daemon, "vnic-create", "x", "nic0/0", "class=sap:100M:tcp/99999");
        var inUse = await Refusal(daemon, "vnic-delete", "big");
        var option = await Refusal(daemon, "vhba-create", "h", "hba0/0", "speed=1G");

        Assert.AreEqual("EINVAL: Port nic0/0 carries 10 Gb/s and has 9.95 Gb/s committed to others; committing 100 Mb/s to 'small' would make 10.05 Gb/s, over its line rate.", over);
        StringAssert.Contains(raised, "committing 10.1 Gb/s to 'big' would make 10.1 Gb/s");
        Assert.AreEqual("ENOENT: no fabric port 'nic7/0'; VNIC ports: nic0/0", port);
        StringAssert.StartsWith(cls, "EINVAL: 'tcp/99999' is not a port match");
        Assert.AreEqual("EBUSY: vNIC 'big' is used by erp (vif:0); take the device away (or unbind its profile) first.", inUse);
        StringAssert.StartsWith(option, "EINVAL: 'speed=1G' is not an option here");
        var vnics = await daemon.ControlAsync("vnic-list");
        Assert.AreEqual(1, vnics.GetArrayLength());
        Assert.AreEqual(1_243_750_000, vnics[0].GetProperty("committedRate").GetInt64());
    }

    private static async Task<string> Refusal(Paraiod daemon, params string[] command) =>
        (await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => daemon.ControlAsync(command))).Message;
}
