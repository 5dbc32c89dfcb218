using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// paraiod's bridge as guests see it: VLANs keep guests apart, the MAC table learns and ages,
/// and a guest killed with SIGKILL takes its port off the bridge without disturbing the others.
/// Real paraiod and paraio-guest processes, one namespace per guest. Needs root.
/// </summary>
[TestClass]
public sealed class NetworkBridgeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task GuestsOnDifferentVlansCannotReachEachOther()
    {
        await using var rig = await NetworkRig.StartAsync();
        var red = await rig.StartGuestAsync("red", 1, ",vlan=10");
        var redToo = await rig.StartGuestAsync("red2", 2, ",vlan=10");
        var blue = await rig.StartGuestAsync("blue", 3, ",vlan=20");

        var same = await NetworkRig.PingAsync(red.Namespace, redToo.Address);
        Assert.AreEqual(0, same.ExitCode, "two guests on VLAN 10 reach each other: " + same);
        var across = await NetworkRig.PingAsync(red.Namespace, blue.Address, count: 2);
        Assert.AreNotEqual(0, across.ExitCode, "VLAN 10 does not reach VLAN 20: " + across);
        var back = await NetworkRig.PingAsync(blue.Namespace, redToo.Address, count: 2);
        Assert.AreNotEqual(0, back.ExitCode, "VLAN 20 does not reach VLAN 10: " + back);

        var bridge = await rig.ShowBridgeAsync();
        var ports = bridge.GetProperty("ports").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.AreEqual("access 10", ports[red.Port].GetProperty("vlan").GetString());
        Assert.AreEqual("access 20", ports[blue.Port].GetProperty("vlan").GetString());
        Assert.IsTrue(ports[blue.Port].GetProperty("rxFrames").GetInt64() > 0, "blue's ARP requests did reach the bridge, and went nowhere");
        var blueMac = Addresses(bridge).Single(a => a.Mac == blue.Mac);
        Assert.AreEqual(20, blueMac.Vlan, "learned on its own VLAN");
    }

    [TestMethod]
    public async Task TheMacTableLearnsEachGuestOnItsPortAndAgesIdleAddressesOut()
    {
        await using var rig = await NetworkRig.StartAsync("--Paraiod:MacAgingSeconds=2");
        var web = await rig.StartGuestAsync("web", 1);
        var db = await rig.StartGuestAsync("db", 2);

        var ping = await NetworkRig.PingAsync(web.Namespace, db.Address);
        Assert.AreEqual(0, ping.ExitCode, ping.ToString());
        var bridge = await rig.ShowBridgeAsync();
        Assert.AreEqual(2.0, bridge.GetProperty("agingSeconds").GetDouble());
        var learned = Addresses(bridge);
        Assert.AreEqual(web.Port, learned.Single(a => a.Mac == web.Mac).Port, "web's MAC is behind web's port");
        Assert.AreEqual(db.Port, learned.Single(a => a.Mac == db.Mac).Port, "db's MAC is behind db's port");
        Assert.IsTrue(learned.All(a => a.Age < 2.0), string.Join(", ", learned));
        TestContext.WriteLine("learned: " + string.Join(", ", learned));

        // Quiet guests (no IPv6 in the rig's namespaces): after the aging time their addresses are gone.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Addresses(await rig.ShowBridgeAsync()).Any(a => a.Mac == web.Mac || a.Mac == db.Mac))
        {
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(10), "the addresses did not age out: " + string.Join(", ", Addresses(await rig.ShowBridgeAsync())));
            await Task.Delay(200);
        }

        TestContext.WriteLine($"both addresses aged out {clock.Elapsed.TotalSeconds:0.0} s after the ping");

        // Traffic teaches the bridge again.
        Assert.AreEqual(0, (await NetworkRig.PingAsync(db.Namespace, web.Address, count: 1)).ExitCode);
        Assert.AreEqual(2, Addresses(await rig.ShowBridgeAsync()).Count(a => a.Mac == web.Mac || a.Mac == db.Mac));
    }

    [TestMethod]
    public async Task AGuestKilledWithSigkillLeavesTheBridgeAndTheOthersKeepTalking()
    {
        await using var rig = await NetworkRig.StartAsync();
        var web = await rig.StartGuestAsync("web", 1);
        var db = await rig.StartGuestAsync("db", 2);
        var cache = await rig.StartGuestAsync("cache", 3);
        Assert.AreEqual(0, (await NetworkRig.PingAsync(cache.Namespace, web.Address, count: 1)).ExitCode);
        Assert.IsTrue(Ports(await rig.ShowBridgeAsync()).Contains(cache.Port));

        cache.Process.Kill();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Ports(await rig.ShowBridgeAsync()).Contains(cache.Port))
        {
            Assert.IsTrue(clock.Elapsed < Paraiod.Patience, "the killed guest's port stayed on the bridge");
            await Task.Delay(50);
        }

        TestContext.WriteLine($"the killed guest's port left the bridge {clock.Elapsed.TotalMilliseconds:0} ms after SIGKILL");
        var bridge = await rig.ShowBridgeAsync();
        CollectionAssert.AreEquivalent(new[] { web.Port, db.Port }, Ports(bridge).ToList());
        Assert.IsFalse(Addresses(bridge).Any(a => a.Mac == cache.Mac), "its learned address went with it");
        var ping = await NetworkRig.PingAsync(web.Namespace, db.Address, count: 5);
        Assert.AreEqual(0, ping.ExitCode, "the other guests keep talking: " + ping);
    }

    private static HashSet<string> Ports(JsonElement bridge) =>
        [.. bridge.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];

    private static List<(int Vlan, string Mac, string Port, double Age)> Addresses(JsonElement bridge) =>
        [.. bridge.GetProperty("addresses").EnumerateArray().Select(a => (a.GetProperty("vlan").GetInt32(), a.GetProperty("mac").GetString()!, a.GetProperty("port").GetString()!, a.GetProperty("ageSeconds").GetDouble()))];
}
