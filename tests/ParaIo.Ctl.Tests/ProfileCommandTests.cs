using System.Text.Json;
using System.Text.RegularExpressions;

namespace ParaIo.Ctl.Tests;

/// <summary><c>profile create|list|show|bind|unbind|delete</c> and <c>domain create --profile</c>.</summary>
[TestClass]
public sealed class ProfileCommandTests
{
    [TestMethod]
    public async Task CreateSendsTheTemplateAndLunsAndShowsTheIdentities()
    {
        var daemon = new CannedDaemon().Answer("profile-create", FabricReplies.WebProfile(null));
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var run = await ctl.RunAsync("profile", "create", "web", "--template", "default", "--lun", "data");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "profile-create", "web", "template=default", "lun=data" }, daemon.Received.Single());
        Assert.AreEqual("Created profile web (template default), not bound.", run.Lines[0]);
        StringAssert.Contains(run.Stdout, "02:50:10:00:00:00");
        StringAssert.Contains(run.Stdout, "50:01:43:80:00:00:00:01");
        StringAssert.Contains(run.Stdout, "Devices it gives its domain: vif,vnic=web-nic0 vbd,vhba=web-hba0,lun=data");
        Assert.AreEqual("Bind it with: paraioctl profile bind web DOMAIN, or paraioctl domain create DOMAIN --profile web", run.Lines[^1]);
    }

    [TestMethod]
    public async Task ListShowAndTheirJson()
    {
        var daemon = new CannedDaemon().Answer("profile-list", $"[{FabricReplies.WebProfile("web1")}]").Answer("profile-show", FabricReplies.WebProfile("web1"));
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var list = await ctl.RunAsync("profile", "list");
        var listJson = await ctl.RunAsync("profile", "list", "--json");
        var show = await ctl.RunAsync("profile", "show", "web");
        var showJson = await ctl.RunAsync("profile", "show", "web", "--json");

        Assert.AreEqual(0, list.ExitCode, list.ToString());
        StringAssert.Matches(list.Lines.Single(l => l.Contains("default", StringComparison.Ordinal)), new Regex(@"web\s+\S\s+default\s+\S\s+web1\s+\S\s+web-nic0 02:50:10:00:00:00\s+\S\s+web-hba0 50:01:43:80:00:00:00:01\s+\S\s+data"));
        using (var document = JsonDocument.Parse(listJson.Stdout))
        {
            Assert.AreEqual("web1", document.RootElement[0].GetProperty("domain").GetString());
        }

        CollectionAssert.AreEqual(new[] { "profile-show", "web" }, daemon.Received[2]);
        Assert.AreEqual("Profile web (template default), bound to web1.", show.Lines[0]);
        StringAssert.Matches(show.Lines.Single(l => l.Contains("web-nic0", StringComparison.Ordinal) && l.Contains("nic0/0", StringComparison.Ordinal)), new Regex(@"100 Mb/s"));
        StringAssert.Matches(show.Lines.Single(l => l.Contains("web-hba0", StringComparison.Ordinal) && l.Contains("hba0/0", StringComparison.Ordinal)), new Regex(@"200 Mb/s"));
        Assert.IsFalse(show.Stdout.Contains("Bind it with", StringComparison.Ordinal));
        using (var document = JsonDocument.Parse(showJson.Stdout))
        {
            Assert.AreEqual("02:50:10:00:00:00", document.RootElement.GetProperty("vnics")[0].GetProperty("mac").GetString());
        }
    }

    [TestMethod]
    public async Task BindUnbindAndDelete()
    {
        var daemon = new CannedDaemon()
            .Answer("profile-bind", """{"profile":"web","domain":"web2","domid":2,"devices":["loop:0","vif:0,vnic=web-nic0","vbd:0,lun=data,vhba=web-hba0"]}""")
            .Answer("profile-unbind", """{"profile":"web","domain":"web1"}""")
            .Answer("profile-delete", FabricReplies.WebProfile(null));
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var unbind = await ctl.RunAsync("profile", "unbind", "web");
        var bind = await ctl.RunAsync("profile", "bind", "web", "web2");
        var bindJson = await ctl.RunAsync("profile", "bind", "web", "web2", "--json");
        var delete = await ctl.RunAsync("profile", "delete", "web");

        CollectionAssert.AreEqual(new[] { "profile-unbind", "web" }, daemon.Received[0]);
        CollectionAssert.AreEqual(new[] { "profile-bind", "web", "web2" }, daemon.Received[1]);
        Assert.AreEqual("Unbound profile web from web1; its MACs, WWPNs, service levels and LUN masking stay with the profile.", unbind.Stdout.Trim());
        Assert.AreEqual("Bound profile web to web2; its devices now: loop:0 vif:0,vnic=web-nic0 vbd:0,lun=data,vhba=web-hba0", bind.Stdout.Trim());
        using (var document = JsonDocument.Parse(bindJson.Stdout))
        {
            Assert.AreEqual(2, document.RootElement.GetProperty("domid").GetInt32());
        }

        Assert.AreEqual("Deleted profile web with its vNICs and vHBAs.", delete.Stdout.Trim());
    }

    [TestMethod]
    public async Task DomainCreateWithAProfileAsksForTheProfilesDomainAndRefusalsSayWhy()
    {
        var daemon = new CannedDaemon()
            .Answer("profile-domain-create", """{"name":"web1","domid":1,"token":"00112233445566778899aabbccddeeff","profile":"web","devices":[{"type":"loop","id":0,"device":"loop:0"},{"type":"vif","id":0,"device":"vif:0,vnic=web-nic0"},{"type":"vbd","id":0,"device":"vbd:0,lun=data,vhba=web-hba0"}]}""");
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);
        var refusing = new CannedDaemon().Refuse("profile-domain-create", "EBUSY", "Profile 'web' is bound to domain 'web1'; unbind it first (paraioctl profile unbind web).");
        await using var busy = new CtlFixture(controlHandler: refusing.Handler);

        var run = await ctl.RunAsync("domain", "create", "web1", "--profile", "web", "--device", "loop");
        var refused = await busy.RunAsync("domain", "create", "web2", "--profile", "web");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "profile-domain-create", "web", "web1", "loop" }, daemon.Received.Single());
        Assert.AreEqual("Created domain web1 (domid 1).", run.Lines[0]);
        Assert.AreEqual("  devices  loop 0, vif 0, vbd 0", run.Lines[2]);
        Assert.AreEqual(1, refused.ExitCode);
        StringAssert.Contains(refused.Stderr, "unbind it first");
    }
}
