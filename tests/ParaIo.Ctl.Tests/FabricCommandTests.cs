using System.Text.Json;
using System.Text.RegularExpressions;

namespace ParaIo.Ctl.Tests;

/// <summary>
/// <c>module</c>, <c>vnic</c>, <c>vhba</c> and <c>lun</c>: the control commands sent, paraiod's
/// answers shown as tables (rates in bits a second) or passed through as JSON, refusals as one line.
/// </summary>
[TestClass]
public sealed class FabricCommandTests
{
    [TestMethod]
    public async Task ModuleListShowsEveryPortWithItsLineRateCommitmentAndCounters()
    {
        var daemon = new CannedDaemon().Answer("module-list", FabricReplies.Modules);
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var run = await ctl.RunAsync("module", "list");
        var json = await ctl.RunAsync("module", "list", "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "module-list" }, daemon.Received[0]);
        StringAssert.Matches(Row(run, "hba0/0"), new Regex(@"hba0\s+\S\s+VHBA\s+\S\s+2\s+\S\s+hba0/0\s+\S\s+-\s+\S\s+4 Gb/s\s+\S\s+600 Mb/s\s+\S\s+15 %\s+\S\s+3 MiB\s+\S\s+8\.389 Mb/s"));
        StringAssert.Matches(Row(run, "nic0/0"), new Regex(@"nic0\s+\S\s+VNIC\s+\S\s+3/256\s+\S\s+nic0/0\s+\S\s+br0\s+\S\s+10 Gb/s\s+\S\s+300 Mb/s\s+\S\s+3 %\s+\S\s+-\s+\S\s+-"));
        StringAssert.Contains(Row(run, "nic0/1"), "br1");
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.AreEqual(256, document.RootElement[1].GetProperty("maxMembers").GetInt32());
    }

    [TestMethod]
    public async Task VnicCreateSendsEveryOptionAndShowsTheClasses()
    {
        var daemon = new CannedDaemon().Answer("vnic-create", FabricReplies.SapVnic);
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var run = await ctl.RunAsync(
            "vnic", "create", "sap0", "--port", "nic0/0", "--rate", "200M", "--ceiling", "200M", "--priority", "2", "--burst", "64K", "--mac", "02:50:10:00:00:01",
            "--class", "sap:100M:tcp/3200-3299", "--class", "exchange:70M:tcp/135+tcp/443", "--class", "backup:30M:tcp/10000:prio=6");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(
            new[] { "vnic-create", "sap0", "nic0/0", "mac=02:50:10:00:00:01", "rate=200M", "burst=65536", "prio=2", "ceil=200M", "class=sap:100M:tcp/3200-3299", "class=exchange:70M:tcp/135+tcp/443", "class=backup:30M:tcp/10000:prio=6" },
            daemon.Received.Single());
        Assert.AreEqual("Created vNIC sap0: MAC 02:50:10:00:00:01, port nic0/0 (bridge br0), committed 200 Mb/s, ceiling 200 Mb/s, priority 2.", run.Lines[0]);
        Assert.AreEqual("  class exchange: 70 Mb/s on tcp/135 tcp/443, priority 0", run.Lines[2]);
        Assert.AreEqual("  class backup: 30 Mb/s on tcp/10000, priority 6", run.Lines[3]);
    }

    [TestMethod]
    public async Task VnicListIsATableAndJson()
    {
        var daemon = new CannedDaemon().Answer("vnic-list", $"[{FabricReplies.SapVnic},{FabricReplies.WebVnic}]");
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var table = await ctl.RunAsync("vnic", "list");
        var json = await ctl.RunAsync("vnic", "list", "--json");

        Assert.AreEqual(0, table.ExitCode, table.ToString());
        StringAssert.Matches(Row(table, "sap0"), new Regex(@"sap0\s+\S\s+02:50:10:00:00:01\s+\S\s+nic0/0\s+\S\s+200 Mb/s\s+\S\s+200 Mb/s\s+\S\s+2\s+\S\s+sap:100M:tcp/3200-3299 exchange:70M:tcp/135\+tcp/443 backup:30M:tcp/10000:prio=6\s+\S\s+-\s+\S\s+erp vif:0\s+\S\s+50 MiB\s+\S\s+200 Mb/s\s+\S\s+12"));
        StringAssert.Matches(Row(table, "web-nic0"), new Regex(@"100 Mb/s\s+\S\s+-\s+\S\s+4\s+\S\s+-\s+\S\s+web\s+\S\s+-"));
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.AreEqual(3, document.RootElement[0].GetProperty("classes").GetArrayLength());
        Assert.AreEqual(12500000, document.RootElement[0].GetProperty("counters").GetProperty("classes")[0].GetProperty("rate").GetInt64());
    }

    [TestMethod]
    public async Task VnicSetSendsOnlyWhatChangesAndRefusesNothingToChange()
    {
        var daemon = new CannedDaemon().Answer("vnic-set", FabricReplies.SapVnic);
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var rate = await ctl.RunAsync("vnic", "set", "sap0", "--rate", "300M", "--ceiling", "none");
        var classes = await ctl.RunAsync("vnic", "set", "sap0", "--no-classes");
        var nothing = await ctl.RunAsync("vnic", "set", "sap0");
        var both = await ctl.RunAsync("vnic", "set", "sap0", "--no-classes", "--class", "a:1M:tcp/1");

        Assert.AreEqual(0, rate.ExitCode, rate.ToString());
        StringAssert.StartsWith(rate.Stdout, "Changed vNIC sap0: ");
        CollectionAssert.AreEqual(new[] { "vnic-set", "sap0", "rate=300M", "ceil=none" }, daemon.Received[0]);
        CollectionAssert.AreEqual(new[] { "vnic-set", "sap0", "classes=none" }, daemon.Received[1]);
        Assert.AreEqual(0, classes.ExitCode, classes.ToString());
        Assert.AreEqual(2, nothing.ExitCode, nothing.ToString());
        StringAssert.Contains(nothing.Stderr, "Nothing to change");
        Assert.AreEqual(2, both.ExitCode, both.ToString());
        Assert.AreEqual(2, daemon.Received.Count);
    }

    [TestMethod]
    public async Task RefusalsFromParaiodAreOneLineWithTheFigures()
    {
        var daemon = new CannedDaemon()
            .Refuse("vnic-create", "EINVAL", "Port nic0/0 carries 1 Gb/s and has 950 Mb/s committed to others; committing 100 Mb/s to 'web0' would make 1.05 Gb/s, over its line rate.")
            .Refuse("vnic-delete", "EBUSY", "vNIC 'sap0' is used by erp (vif:0); take the device away (or unbind its profile) first.")
            .Refuse("vhba-create", "ENOENT", "no fabric port 'hba9/0'; VHBA ports: hba0/0");
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var over = await ctl.RunAsync("vnic", "create", "web0", "--port", "nic0/0", "--rate", "100M");
        var busy = await ctl.RunAsync("vnic", "delete", "sap0");
        var port = await ctl.RunAsync("vhba", "create", "db0", "--port", "hba9/0");
        var noPort = await ctl.RunAsync("vhba", "create", "db0");

        Assert.AreEqual(1, over.ExitCode, over.ToString());
        Assert.AreEqual("paraioctl: Port nic0/0 carries 1 Gb/s and has 950 Mb/s committed to others; committing 100 Mb/s to 'web0' would make 1.05 Gb/s, over its line rate. (EINVAL)", over.Stderr.Trim());
        Assert.AreEqual(1, busy.ExitCode);
        StringAssert.Contains(busy.Stderr, "is used by erp (vif:0)");
        Assert.AreEqual(1, port.ExitCode);
        StringAssert.Contains(port.Stderr, "VHBA ports: hba0/0");
        Assert.AreEqual(2, noPort.ExitCode, noPort.ToString());
        StringAssert.Contains(noPort.Stderr, "--port");
    }

    [TestMethod]
    public async Task VhbaCreateListSetAndDelete()
    {
        var daemon = new CannedDaemon()
            .Answer("vhba-create", FabricReplies.DbVhba)
            .Answer("vhba-list", $"[{FabricReplies.DbVhba},{FabricReplies.WebVhba}]")
            .Answer("vhba-set", FabricReplies.DbVhba)
            .Answer("vhba-delete", FabricReplies.DbVhba);
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var created = await ctl.RunAsync("vhba", "create", "db0", "--port", "hba0/0", "--rate", "400M", "--limit", "1G", "--iops", "20000", "--priority", "1", "--wwpn", "50:01:43:80:00:00:00:07");
        var table = await ctl.RunAsync("vhba", "list");
        var json = await ctl.RunAsync("vhba", "list", "--json");
        var set = await ctl.RunAsync("vhba", "set", "db0", "--iops", "none", "--limit", "2G", "--mask", "logs", "--unmask", "scratch");
        var nothing = await ctl.RunAsync("vhba", "set", "db0");
        var deleted = await ctl.RunAsync("vhba", "delete", "db0");

        Assert.AreEqual(0, created.ExitCode, created.ToString());
        CollectionAssert.AreEqual(new[] { "vhba-create", "db0", "hba0/0", "wwpn=50:01:43:80:00:00:00:07", "rate=400M", "limit=1G", "iops=20000", "prio=1" }, daemon.Received[0]);
        Assert.AreEqual("Created vHBA db0: WWPN 50:01:43:80:00:00:00:07, port hba0/0, committed 400 Mb/s, limit 1 Gb/s, IOPS limit 20000, priority 1.", created.Lines[0]);
        Assert.AreEqual("  sees LUNs: data, logs", created.Lines[1]);
        StringAssert.Matches(Row(table, "db0"), new Regex(@"50:01:43:80:00:00:00:07\s+\S\s+hba0/0\s+\S\s+400 Mb/s\s+\S\s+1 Gb/s\s+\S\s+20000\s+\S\s+1\s+\S\s+data, logs\s+\S\s+-\s+\S\s+db vbd:0\s+\S\s+3 MiB\s+\S\s+8\.389 Mb/s"));
        StringAssert.Matches(Row(table, "web-hba0"), new Regex(@"200 Mb/s\s+\S\s+-\s+\S\s+-\s+\S\s+4\s+\S\s+data\s+\S\s+web\s+\S\s+-\s+\S\s+-\s+\S\s+-"));
        using (var document = JsonDocument.Parse(json.Stdout))
        {
            Assert.AreEqual(96, document.RootElement[0].GetProperty("counters").GetProperty("operations").GetInt32());
        }

        CollectionAssert.AreEqual(new[] { "vhba-set", "db0", "limit=2G", "iops=none", "mask=logs", "unmask=scratch" }, daemon.Received[3]);
        Assert.AreEqual(2, nothing.ExitCode, nothing.ToString());
        StringAssert.StartsWith(set.Stdout, "Changed vHBA db0: ");
        Assert.AreEqual("Deleted vHBA db0 (WWPN 50:01:43:80:00:00:00:07) and unmasked it from every LUN.", deleted.Stdout.Trim());
    }

    [TestMethod]
    public async Task LunCreateMaskUnmaskAndList()
    {
        var daemon = new CannedDaemon()
            .Answer("lun-create", FabricReplies.DataLun)
            .Answer("lun-mask", FabricReplies.DataLun)
            .Answer("lun-unmask", FabricReplies.DataLun)
            .Answer("lun-list", $"[{FabricReplies.DataLun}]");
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        var created = await ctl.RunAsync("lun", "create", "data", "--size", "10G", "--mask", "db0", "--mask", "50:01:43:80:00:00:00:09");
        var san = await ctl.RunAsync("lun", "create", "shared", "--san", "nbd://192.0.2.10:10809/vol1");
        var adopted = await ctl.RunAsync("lun", "create", "base");
        var masked = await ctl.RunAsync("lun", "mask", "data", "db0");
        var unmasked = await ctl.RunAsync("lun", "unmask", "data", "50:01:43:80:00:00:00:09");
        var table = await ctl.RunAsync("lun", "list");
        var json = await ctl.RunAsync("lun", "list", "--json");
        var both = await ctl.RunAsync("lun", "create", "x", "--size", "1G", "--san", "nbd://h/x");

        Assert.AreEqual(0, created.ExitCode, created.ToString());
        CollectionAssert.AreEqual(new[] { "lun-create", "data", "size=10737418240", "mask=db0", "mask=50:01:43:80:00:00:00:09" }, daemon.Received[0]);
        CollectionAssert.AreEqual(new[] { "lun-create", "shared", "san=nbd://192.0.2.10:10809/vol1" }, daemon.Received[1]);
        CollectionAssert.AreEqual(new[] { "lun-create", "base" }, daemon.Received[2]);
        Assert.AreEqual(0, san.ExitCode + adopted.ExitCode);
        Assert.AreEqual("Created LUN data (image, 10 GiB); masked to: db0 (50:01:43:80:00:00:00:07), 50:01:43:80:00:00:00:09.", created.Stdout.Trim());
        CollectionAssert.AreEqual(new[] { "lun-mask", "data", "db0" }, daemon.Received[3]);
        CollectionAssert.AreEqual(new[] { "lun-unmask", "data", "50:01:43:80:00:00:00:09" }, daemon.Received[4]);
        StringAssert.StartsWith(masked.Stdout, "Masked LUN data");
        StringAssert.StartsWith(unmasked.Stdout, "Unmasked LUN data");
        StringAssert.Matches(Row(table, "data"), new Regex(@"image\s+\S\s+10 GiB\s+\S\s+db0 \(50:01:43:80:00:00:00:07\), 50:01:43:80:00:00:00:09\s+\S\s+db vbd:0\s+\S\s+/var/lib/paraio/disks/data\.img"));
        using (var document = JsonDocument.Parse(json.Stdout))
        {
            Assert.AreEqual("db0", document.RootElement[0].GetProperty("masks")[0].GetProperty("vhba").GetString());
        }

        Assert.AreEqual(2, both.ExitCode, both.ToString());
        Assert.AreEqual(7, daemon.Received.Count);
    }

    [TestMethod]
    public async Task EmptyListsSaySo()
    {
        var daemon = new CannedDaemon().Answer("vnic-list", "[]").Answer("vhba-list", "[]").Answer("lun-list", "[]").Answer("profile-list", "[]").Answer("module-list", "[]");
        await using var ctl = new CtlFixture(controlHandler: daemon.Handler);

        Assert.AreEqual("No vNICs.", (await ctl.RunAsync("vnic", "list")).Stdout.Trim());
        Assert.AreEqual("No vHBAs.", (await ctl.RunAsync("vhba", "list")).Stdout.Trim());
        Assert.AreEqual("No LUNs.", (await ctl.RunAsync("lun", "list")).Stdout.Trim());
        Assert.AreEqual("No profiles.", (await ctl.RunAsync("profile", "list")).Stdout.Trim());
        StringAssert.StartsWith((await ctl.RunAsync("module", "list")).Stdout, "No fabric modules");
    }

    private static string Row(CtlRun run, string name) =>
        run.Lines.SingleOrDefault(l => Regex.IsMatch(l, $@"(^|\s){Regex.Escape(name)}\s")) ?? throw new AssertFailedException($"No row for {name}:\n{run}");
}
