using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Store.Server;

namespace ParaIo.Ctl.Tests;

/// <summary><c>bridge uplink add … --vxlan</c>: the control command it sends, the combinations it refuses, and a tunnel in <c>bridge show</c>.</summary>
[TestClass]
public sealed class VxlanUplinkCommandTests
{
    private const string Added = """
        {"ok":true,"result":{"bridge":"br0","port":"vx0","vlan":"access 1","type":"vxlan","vni":42,"local":"0.0.0.0:4789","remote":"10.9.0.2:4789"}}
        """;

    private const string Shown = """
        {"ok":true,"result":{"name":"br0","agingSeconds":300,"ports":[
          {"name":"vx0","kind":"uplink","vlan":"access 1","rxFrames":4,"rxBytes":392,"txFrames":5,"txBytes":490,"rxDropped":0,"txDropped":0,"flooded":1,
           "type":"vxlan","vni":42,"local":"0.0.0.0:4789","remote":"10.9.0.2:4789","mtu":1500,"rxDatagrams":4,"rxDatagramBytes":424,"txDatagrams":5,"txDatagramBytes":530,
           "segmented":0,"checksummed":0,"unsupported":1,"sendErrors":0,"receiveErrors":0,
           "drops":{"shortDatagram":0,"noInstanceFlag":0,"foreignVni":2,"runtFrame":0,"oversizedFrame":0,"foreignSource":3}}],
          "addresses":[]}}
        """;

    private readonly List<string[]> _received = [];

    [TestMethod]
    public async Task AddSendsTheVxlanFormWithTheEndpointsAsWritten()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Added));

        var plain = await ctl.RunAsync("bridge", "uplink", "add", "br0", "vx0", "--vxlan", "--vni", "42", "--remote", "10.9.0.2");
        var full = await ctl.RunAsync("bridge", "uplink", "add", "br0", "vx1", "--vxlan", "--vni", "7", "--remote", "[2001:db8::2]:4790", "--local", "[::]:4790", "--vlan", "10");

        Assert.AreEqual(0, plain.ExitCode, plain.ToString());
        Assert.AreEqual("Uplink vx0 is on bridge br0 (VXLAN VNI 42, 0.0.0.0:4789 to 10.9.0.2:4789, access 1).", plain.Stdout.Trim());
        Assert.AreEqual(0, full.ExitCode, full.ToString());
        CollectionAssert.AreEqual(new[] { "bridge-uplink-add", "br0", "vx0", "vxlan", "42", "10.9.0.2", "-" }, _received[0]);
        CollectionAssert.AreEqual(new[] { "bridge-uplink-add", "br0", "vx1", "vxlan", "7", "[2001:db8::2]:4790", "[::]:4790", "10" }, _received[1]);
    }

    [TestMethod]
    [DataRow("--vxlan needs --vni and --remote", "--vxlan", "--remote", "10.9.0.2")]
    [DataRow("--vxlan needs --vni and --remote", "--vxlan", "--vni", "42")]
    [DataRow("add --vxlan", "--vni", "42", "--remote", "10.9.0.2")]
    [DataRow("add --vxlan", "--local", "0.0.0.0:4789")]
    [DataRow("--netns is for a TAP", "--vxlan", "--vni", "42", "--remote", "10.9.0.2", "--netns", "lab")]
    public async Task OptionsThatDoNotGoTogetherAreAUsageError(string message, params string[] options)
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Added));

        var run = await ctl.RunAsync(["bridge", "uplink", "add", "br0", "vx0", .. options]);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, message);
        Assert.IsEmpty(_received, "nothing was sent");
    }

    [TestMethod]
    public async Task ARefusalFromParaiodIsShownWithItsReason()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer("""{"ok":false,"error":"EINVAL","message":"'16777216' is not a VNI (0..16777215)."}"""));

        var run = await ctl.RunAsync("bridge", "uplink", "add", "br0", "vx0", "--vxlan", "--vni", "16777216", "--remote", "10.9.0.2");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "is not a VNI (0..16777215)");
    }

    [TestMethod]
    public async Task ShowNamesTheTunnelAndSumsItsDropsAndErrors()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Shown));

        var run = await ctl.RunAsync("bridge", "show", "br0");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var uplink = run.Lines.Single(l => l.Contains("vx0", StringComparison.Ordinal));
        StringAssert.Contains(uplink, "vxlan 42 to");
        StringAssert.Matches(uplink, new System.Text.RegularExpressions.Regex(@"\s6\s+\S\s*$"), "2 + 3 drops and 1 unsupported frame");
    }

    [TestMethod]
    public async Task HelpShowsAVxlanExample()
    {
        await using var ctl = new CtlFixture(controlHandler: Answer(Added));

        var run = await ctl.RunAsync("bridge", "uplink", "add", "--help");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stdout, "paraioctl bridge uplink add br0 vx0 --vxlan --vni 42 --remote 10.9.0.2");
        StringAssert.Contains(run.Stdout, "--remote");
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
