using System.Text.Json;
using ParaIo.Store.Server;

namespace ParaIo.Ctl.Tests;

/// <summary><c>bridge list|show|uplink add|uplink remove</c>: the control commands sent and paraiod's answers shown as tables or JSON.</summary>
[TestClass]
public sealed class BridgeCommandTests
{
    private const string Shown = """
        {"ok":true,"result":{"name":"br0","agingSeconds":300,"ports":[
          {"name":"vif1.0","kind":"vif","domain":"web","vlan":"access 10","rxFrames":12,"rxBytes":1180,"txFrames":9,"txBytes":882,"rxDropped":0,"txDropped":2,"flooded":3},
          {"name":"ptap0","kind":"uplink","namespace":"lab","vlan":"access 1","rxFrames":4,"rxBytes":392,"txFrames":5,"txBytes":490,"rxDropped":0,"txDropped":0,"flooded":1,"readErrors":0,"writeErrors":1,"unsupported":0}],
          "addresses":[{"vlan":10,"mac":"00:16:3e:00:01:00","port":"vif1.0","ageSeconds":1.25}]}}
        """;

    private readonly List<string[]> _received = [];

    [TestMethod]
    public async Task ShowListsPortsWithCountersAndTheMacTableWithAges()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Shown));

        var run = await ctl.RunAsync("bridge", "show", "br0");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "bridge-show", "br0" }, _received.Single());
        StringAssert.Contains(run.Stdout, "Bridge br0, MAC aging 300 s");
        var vif = run.Lines.Single(l => l.Contains("vif1.0", StringComparison.Ordinal) && l.Contains(" vif ", StringComparison.Ordinal));
        StringAssert.Matches(vif, new System.Text.RegularExpressions.Regex(@"web\s+\S\s+access 10\s+\S\s+12\s+\S\s+1\.15 KiB"));
        var uplink = run.Lines.Single(l => l.Contains("ptap0", StringComparison.Ordinal));
        StringAssert.Contains(uplink, "netns lab");
        StringAssert.Matches(uplink, new System.Text.RegularExpressions.Regex(@"\s1\s+\S\s*$"), "read, write and offload errors summed");
        StringAssert.Matches(run.Lines.Single(l => l.Contains("00:16:3e:00:01:00", StringComparison.Ordinal)), new System.Text.RegularExpressions.Regex(@"10\s+\S\s+00:16:3e:00:01:00\s+\S\s+vif1\.0\s+\S\s+1\.3 s"));
    }

    [TestMethod]
    public async Task JsonPassesTheAnswerThrough()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Shown));

        var run = await ctl.RunAsync("bridge", "show", "br0", "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.AreEqual("lab", json.RootElement.GetProperty("ports")[1].GetProperty("namespace").GetString());
    }

    [TestMethod]
    public async Task UplinkAddSendsTheNamespaceAndVlanAndRemoveTheNames()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer("""{"ok":true,"result":{"bridge":"br0","tap":"ptap0","namespace":"lab","vlan":"access 10","offloads":"Standard"}}"""));

        var added = await ctl.RunAsync("bridge", "uplink", "add", "br0", "ptap0", "--netns", "lab", "--vlan", "10");
        var plain = await ctl.RunAsync("bridge", "uplink", "add", "br0", "ptap0");
        var removed = await ctl.RunAsync("bridge", "uplink", "remove", "br0", "ptap0");

        Assert.AreEqual(0, added.ExitCode, added.ToString());
        Assert.AreEqual("Uplink ptap0 is on bridge br0 (namespace lab, access 10, offloads Standard).", added.Stdout.Trim());
        Assert.AreEqual(0, removed.ExitCode, removed.ToString());
        CollectionAssert.AreEqual(new[] { "bridge-uplink-add", "br0", "ptap0", "lab", "10" }, _received[0]);
        CollectionAssert.AreEqual(new[] { "bridge-uplink-add", "br0", "ptap0", "-" }, _received[1]);
        CollectionAssert.AreEqual(new[] { "bridge-uplink-remove", "br0", "ptap0" }, _received[2]);
    }

    [TestMethod]
    public async Task ListWithoutBridgesSaysSoAndRefusalsNameTheReason()
    {
        await using var empty = new CtlFixture(controlHandler: Answer("""{"ok":true,"result":[]}"""));
        var none = await empty.RunAsync("bridge", "list");
        Assert.AreEqual(0, none.ExitCode, none.ToString());
        StringAssert.StartsWith(none.Stdout, "No bridges");

        await using var refusing = new CtlFixture(controlHandler: Answer("""{"ok":false,"error":"EIO","message":"the uplink's TAP could not be opened: TUNSETIFF ptap0 failed: Operation not permitted (errno 1)"}"""));
        var refused = await refusing.RunAsync("bridge", "uplink", "add", "br0", "ptap0");
        Assert.AreEqual(1, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Stderr, "Operation not permitted");
    }

    private StoreControlHandler Answer(string reply) => (_, arguments, _) =>
    {
        lock (_received)
        {
            _received.Add([.. arguments]);
        }

        return ValueTask.FromResult(reply);
    };
}
