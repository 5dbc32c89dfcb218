using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// The network path end to end with real processes: two paraio-guest processes, each with its
/// vif as a TAP in a namespace of its own, talk through paraiod's bridge with the ordinary tools
/// (ping, iperf3); a host-side namespace joins the bridge through a TAP uplink. Needs root.
/// </summary>
[TestClass]
public sealed class NetworkGuestTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TwoGuestsOnABridgePingEachOther()
    {
        await using var rig = await NetworkRig.StartAsync();
        var web = await rig.StartGuestAsync("web", 1);
        var db = await rig.StartGuestAsync("db", 2);

        // Each interface is what the vif's backend published: its MAC, up, in the guest's namespace.
        var link = web.Namespace.Execute("ip", "-o", "link", "show", web.Interface);
        Assert.IsTrue(link.Succeeded, link.StandardError);
        StringAssert.Contains(link.StandardOutput, web.Mac);
        StringAssert.Contains(link.StandardOutput, "UP");
        Assert.AreEqual($"00:16:3e:00:{web.DomainId:x2}:00", web.Mac, "the derived vif address (Xen's OUI, domid, devid)");

        var there = await NetworkRig.PingAsync(web.Namespace, db.Address, count: 5);
        Assert.AreEqual(0, there.ExitCode, there.ToString());
        var back = await NetworkRig.PingAsync(db.Namespace, web.Address, count: 5);
        Assert.AreEqual(0, back.ExitCode, back.ToString());
        TestContext.WriteLine($"ping web -> db: avg RTT {NetworkRig.AverageRtt(there):0.###} ms; db -> web: avg RTT {NetworkRig.AverageRtt(back):0.###} ms");

        var bridge = await rig.ShowBridgeAsync();
        var ports = bridge.GetProperty("ports").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.IsTrue(ports[web.Port].GetProperty("rxFrames").GetInt64() >= 5, "web's echo requests went through the bridge");
        Assert.IsTrue(ports[db.Port].GetProperty("rxFrames").GetInt64() >= 5, "db's echo replies went through the bridge");
        Assert.AreEqual("web", ports[web.Port].GetProperty("domain").GetString());
    }

    [TestMethod]
    public async Task TheInterfacesStayUpWhileParaiodIsKilledAndTrafficResumesAfterItsRestart()
    {
        await using var rig = await NetworkRig.StartAsync();
        var web = await rig.StartGuestAsync("web", 1);
        var db = await rig.StartGuestAsync("db", 2);
        Assert.AreEqual(0, (await NetworkRig.PingAsync(web.Namespace, db.Address, count: 1)).ExitCode);

        await rig.Daemon.KillAsync();
        web.Process.WaitForLine("\"state\":\"Closed\"", Paraiod.Patience);
        var during = await NetworkRig.PingAsync(web.Namespace, db.Address, count: 1);
        Assert.AreNotEqual(0, during.ExitCode, "nothing crosses while paraiod is down");
        var link = web.Namespace.Execute("ip", "-o", "address", "show", web.Interface);
        StringAssert.Contains(link.StandardOutput, web.Address + "/24", "the interface and its address outlive the backend");

        await rig.Daemon.StartAgainAsync();
        web.Process.WaitForLine("\"state\":\"Connected\"", Paraiod.Patience, occurrence: 2);
        db.Process.WaitForLine("\"state\":\"Connected\"", Paraiod.Patience, occurrence: 2);
        var after = await NetworkRig.PingAsync(web.Namespace, db.Address);
        Assert.AreEqual(0, after.ExitCode, "the pumps moved to the new devices: " + after);
        Assert.AreEqual(1, web.Process.Output.Split('\n').Count(l => l.Contains("\"event\":\"vif\"", StringComparison.Ordinal)), "the interface was made once");
    }

    [TestMethod]
    public async Task Iperf3MovesTcpBetweenTwoGuests()
    {
        ExternalTool.Require("iperf3", "iperf3");
        await using var rig = await NetworkRig.StartAsync();
        var server = await rig.StartGuestAsync("server", 1);
        var client = await rig.StartGuestAsync("client", 2);

        var port = RandomNumberGenerator.GetInt32(20000, 30000).ToString(CultureInfo.InvariantCulture);
        var listening = ExternalTool.RunAsync("ip", "netns", "exec", server.Namespace.Name, "iperf3", "--server", "--one-off", "--port", port);
        ToolResult run = new(-1, "", "");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            // Retried while the server is still starting (connection refused).
            run = await ExternalTool.RunAsync("ip", "netns", "exec", client.Namespace.Name, "iperf3", "--client", server.Address, "--port", port, "--time", "3", "--json");
            if (IperfRan(run) || !run.Stdout.Contains("refused", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.IsTrue(IperfRan(run), run.ToString());
        var summary = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("end");
        var received = summary.GetProperty("sum_received");
        var bytes = received.GetProperty("bytes").GetInt64();
        var bitsPerSecond = received.GetProperty("bits_per_second").GetDouble();
        var retransmits = summary.GetProperty("sum_sent").TryGetProperty("retransmits", out var r) ? r.GetInt64() : -1;
        TestContext.WriteLine($"iperf3 TCP client -> server through ParaIo: {bytes / 1e6:0.0} MB in 3 s, {bitsPerSecond / 1e9:0.00} Gb/s, {retransmits} retransmits");
        Assert.IsTrue(bytes > 10_000_000, $"iperf3 moved {bytes} bytes");
        var serverRun = await listening;
        Assert.AreEqual(0, serverRun.ExitCode, serverRun.ToString());
    }

    [TestMethod]
    public async Task AGuestReachesAHostNamespaceThroughAConfiguredTapUplink()
    {
        await using var rig = NetworkRig.Create();
        var host = rig.CreateNamespace();
        var tap = "ptap" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        await rig.StartDaemonAsync("--Paraiod:Bridges:0:Name=br0", $"--Paraiod:Bridges:0:Uplinks:0:Tap={tap}", $"--Paraiod:Bridges:0:Uplinks:0:Namespace={host.Name}");
        host.AddAddress(tap, rig.AddressOf(100) + "/24");
        var guest = await rig.StartGuestAsync("web", 1);

        var ping = await NetworkRig.PingAsync(guest.Namespace, rig.AddressOf(100));
        Assert.AreEqual(0, ping.ExitCode, ping.ToString());
        var back = await NetworkRig.PingAsync(host, guest.Address);
        Assert.AreEqual(0, back.ExitCode, back.ToString());
        TestContext.WriteLine($"ping guest -> host namespace over the uplink: avg RTT {NetworkRig.AverageRtt(ping):0.###} ms");

        var uplink = (await rig.ShowBridgeAsync()).GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == tap);
        Assert.AreEqual("uplink", uplink.GetProperty("kind").GetString());
        Assert.AreEqual(host.Name, uplink.GetProperty("namespace").GetString());
        Assert.IsTrue(uplink.GetProperty("rxFrames").GetInt64() >= 3 && uplink.GetProperty("txFrames").GetInt64() >= 3, uplink.ToString());
        Assert.AreEqual(0, uplink.GetProperty("readErrors").GetInt64() + uplink.GetProperty("writeErrors").GetInt64() + uplink.GetProperty("unsupported").GetInt64());
    }

    [TestMethod]
    public async Task AnUplinkAddedAtRunTimeCarriesTcpAndLeavesWhenRemoved()
    {
        await using var rig = await NetworkRig.StartAsync();
        var guest = await rig.StartGuestAsync("web", 1);
        var host = rig.CreateNamespace();
        var tap = "ptap" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

        var added = await rig.Daemon.ControlAsync("bridge-uplink-add", "br0", tap, host.Name);
        Assert.AreEqual(tap, added.GetProperty("tap").GetString());
        StringAssert.Contains(added.GetProperty("offloads").GetString(), "Standard");
        host.AddAddress(tap, rig.AddressOf(100) + "/24");
        var ping = await NetworkRig.PingAsync(guest.Namespace, rig.AddressOf(100));
        Assert.AreEqual(0, ping.ExitCode, ping.ToString());

        // TCP both ways across the uplink: TSO super-frames and partial checksums cross the TAP in both directions.
        if (File.Exists("/usr/bin/iperf3"))
        {
            var port = RandomNumberGenerator.GetInt32(30000, 40000).ToString(CultureInfo.InvariantCulture);
            var listening = ExternalTool.RunAsync("ip", "netns", "exec", host.Name, "iperf3", "--server", "--one-off", "--port", port);
            ToolResult run = new(-1, "", "");
            for (var attempt = 0; attempt < 20 && !IperfRan(run); attempt++)
            {
                await Task.Delay(attempt == 0 ? 0 : 100);
                run = await ExternalTool.RunAsync("ip", "netns", "exec", guest.Namespace.Name, "iperf3", "--client", rig.AddressOf(100), "--port", port, "--time", "1", "--bidir", "--json");
            }

            Assert.IsTrue(IperfRan(run), run.ToString());
            var end = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("end");
            Assert.IsTrue(end.GetProperty("sum_received").GetProperty("bytes").GetInt64() > 0, "guest -> host moved data: " + run.Stdout);
            var reverse = end.TryGetProperty("sum_received_bidir_reverse", out var r) ? $"{r.GetProperty("bits_per_second").GetDouble() / 1e9:0.00} Gb/s" : "?";
            TestContext.WriteLine($"iperf3 --bidir guest <-> host namespace over the uplink: {end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9:0.00} Gb/s guest -> host, {reverse} host -> guest");
            await listening;
        }

        var removed = await rig.Daemon.ControlAsync("bridge-uplink-remove", "br0", tap);
        Assert.AreEqual(tap, removed.GetProperty("tap").GetString());
        Assert.IsFalse((await rig.ShowBridgeAsync()).GetProperty("ports").EnumerateArray().Any(p => p.GetProperty("name").GetString() == tap), "the uplink left the bridge");
        Assert.IsFalse(host.Execute("ip", "link", "show", tap).Succeeded, "the TAP paraiod made is gone");
        var after = await NetworkRig.PingAsync(guest.Namespace, rig.AddressOf(100), count: 2);
        Assert.AreNotEqual(0, after.ExitCode, "nothing answers once the uplink is gone");

        var missing = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => rig.Daemon.ControlAsync("bridge-uplink-remove", "br0", tap));
        StringAssert.StartsWith(missing.Message, "ENOENT");
    }

    /// <summary>
    /// iperf3 ran a test: it exited 0 and its JSON has no "error" (iperf3 3.12 exits 0 with
    /// "unable to connect to server" when the server is not listening yet).
    /// </summary>
    private static bool IperfRan(ToolResult run)
    {
        if (run.ExitCode != 0)
        {
            return false;
        }

        try
        {
            return !JsonDocument.Parse(run.Stdout).RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
