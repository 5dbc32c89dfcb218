using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// Devices hot-plugged into running guests, with real processes: a disk attached to a running
/// paraio-guest becomes an NBD export at once, a disk detached under a busy reader fails its
/// requests with EIO (never hangs) while the guest and its other disk carry on, and a vNIC's vif added
/// to a guest in a namespace becomes a TAP that pings a peer, then goes when removed (root).
/// The control requests are what <c>paraioctl disk attach|detach</c> and <c>device add|remove</c> send.
/// </summary>
[TestClass]
public sealed class HotPlugTests
{
    private const long DiskBytes = 16L << 20;

    [TestMethod]
    public async Task ADiskAttachedToARunningGuestIsExportedAndItsWritesReachTheImage()
    {
        await using var daemon = await Paraiod.StartAsync();
        await CreateDiskAsync(daemon, "boot");
        var data = await CreateDiskAsync(daemon, "data");
        var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=boot");
        using var guest = daemon.StartGuest("app", token);
        guest.WaitForLine(ExportLine(0), Paraiod.Patience);

        var attached = await daemon.ControlAsync("disk-attach", "data", "app");

        Assert.AreEqual(1, attached.GetProperty("id").GetInt32(), "the next vbd id");
        guest.WaitForLine("""{"event":"device-added","type":"vbd","id":1}""", Paraiod.Patience);
        using var export = JsonDocument.Parse(guest.WaitForLine(ExportLine(1), Paraiod.Patience));
        Assert.AreEqual(DiskBytes, export.RootElement.GetProperty("bytes").GetInt64());
        await using var client = await RawNbdClient.OpenAsync(export.RootElement.GetProperty("socket").GetString()!);
        var bytes = RandomNumberGenerator.GetBytes(256 << 10);
        await client.WriteAsync(1 << 20, bytes, cookie: 1);
        await client.SendRequestAsync(Wire.CmdFlush, 2, 0, 0);
        Assert.AreEqual(0u, (await client.ReadReplyAsync()).Error, "flush");
        CollectionAssert.AreEqual(bytes, ImageFile.Read(data, 1 << 20, bytes.Length), "the image file holds what went through the hot-added disk");
        Assert.IsTrue((await daemon.DeviceStatesAsync("app")).All(d => d is { Frontend: 4, Backend: 4 }), "both disks connected");
    }

    [TestMethod]
    public async Task DetachingADiskUnderABusyReaderFailsItsRequestsWithEioAndTheGuestCarriesOn()
    {
        await using var daemon = await Paraiod.StartAsync();
        await CreateDiskAsync(daemon, "keep");
        await CreateDiskAsync(daemon, "data");
        var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=keep", "vbd,disk=data");
        using var guest = daemon.StartGuest("app", token);
        var keepSocket = JsonDocument.Parse(guest.WaitForLine(ExportLine(0), Paraiod.Patience)).RootElement.GetProperty("socket").GetString()!;
        var dataSocket = JsonDocument.Parse(guest.WaitForLine(ExportLine(1), Paraiod.Patience)).RootElement.GetProperty("socket").GetString()!;

        await using var reader = await RawNbdClient.OpenAsync(dataSocket);
        var busy = new BusyNbdReader(reader, DiskBytes);
        var reading = Task.Run(busy.RunAsync);
        await busy.Started.WaitAsync(Paraiod.Patience);

        var detached = await daemon.ControlAsync("disk-detach", "data", "app");

        Assert.AreEqual("vbd:1,disk=data", detached.GetProperty("devices")[0].GetString());
        guest.WaitForLine("""{"event":"device-removed","type":"vbd","id":1}""", Paraiod.Patience);
        // The reader's deadline is RawNbdClient.Timeout: a request left hanging fails the test there.
        await reading.WaitAsync(Paraiod.Patience);
        Assert.IsTrue(busy.Succeeded > 0, "the reader was reading before the detach");
        Assert.IsTrue(busy.Errors.Count > 0 && busy.Errors.All(e => e == Wire.EIO), $"requests in flight failed with EIO: {string.Join(", ", busy.Errors)}");
        Assert.IsTrue(busy.Closed, "the export closed the connection");
        Assert.IsFalse(File.Exists(dataSocket), "the export's socket is gone");

        // The guest runs on, and its other disk still works.
        Assert.IsFalse(guest.HasExited, guest.Output);
        await using var other = await RawNbdClient.OpenAsync(keepSocket);
        var bytes = RandomNumberGenerator.GetBytes(64 << 10);
        await other.WriteAsync(0, bytes, cookie: 1);
        CollectionAssert.AreEqual(bytes, await other.ReadAsync(0, bytes.Length, cookie: 2));
        Assert.AreEqual(0, (await daemon.ControlAsync("disk-list")).EnumerateArray().Single(d => d.GetProperty("name").GetString() == "data").GetProperty("attachedTo").GetArrayLength());
        CollectionAssert.AreEqual(new[] { ("vbd/0", 4, 4) }, (await daemon.DeviceStatesAsync("app")).ToArray());
    }

    [TestMethod]
    public async Task AGuestThatCannotAnswerHoldsARemovalForTheConfiguredTimeOnly()
    {
        await using var daemon = await Paraiod.StartAsync("", "--Paraiod:DeviceRemovalSeconds=1");
        await CreateDiskAsync(daemon, "keep");
        await CreateDiskAsync(daemon, "data");
        var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=keep", "vbd,disk=data");
        using var guest = daemon.StartGuest("app", token);
        guest.WaitForLine(ExportLine(1), Paraiod.Patience);
        guest.Pause(); // attached, but deaf to the removal
        try
        {
            var clock = Stopwatch.StartNew();
            await daemon.ControlAsync("disk-detach", "data", "app");
            var took = clock.Elapsed;

            Assert.IsTrue(took >= TimeSpan.FromSeconds(0.9) && took < TimeSpan.FromSeconds(4), $"the removal took {took.TotalSeconds:F2} s (configured: 1 s, default: 5 s)");
            daemon.Process.WaitForLine("Device dom1/vbd/1: the frontend did not close within 1 s; removed without it", Paraiod.Patience);
        }
        finally
        {
            guest.Resume();
        }

        // Resumed, the guest finds the device's directories gone: it drops that device and keeps its
        // session, so its other disk was never disturbed.
        guest.WaitForLine("""{"event":"device-removed","type":"vbd","id":1}""", Paraiod.Patience);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain("its guest disconnected", daemon.Process.Output);
        Assert.AreEqual(1, guest.Output.Split('\n').Count(l => l.Contains("\"event\":\"session\"", StringComparison.Ordinal)), guest.Output);
        CollectionAssert.AreEqual(new[] { ("vbd/0", 4, 4) }, (await daemon.DeviceStatesAsync("app")).ToArray());
    }

    [TestMethod]
    public void AnUnusableRemovalTimeoutStopsTheDaemonAtStart()
    {
        var directory = Directory.CreateTempSubdirectory("paraio-removal-").FullName;
        try
        {
            using var daemon = ChildProcess.Start("paraiod", null, "--socket", Path.Combine(directory, "s.sock"), "--state-dir", directory, "--metrics", "", "--Paraiod:DeviceRemovalSeconds=-1");

            Assert.AreEqual(2, daemon.WaitForExit(Paraiod.Patience));
            StringAssert.Contains(daemon.Output, "Paraiod:DeviceRemovalSeconds in the configuration is '-1'");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public async Task AVnicHotAddedToAGuestInANamespacePingsAPeerAndItsInterfaceGoesWhenRemoved()
    {
        await using var rig = await NetworkRig.StartAsync();
        var peer = await rig.StartGuestAsync("db", 2);
        var network = rig.CreateNamespace();
        var vnic = await rig.Daemon.ControlAsync("vnic-create", "web0", "nic0/0", "rate=100M");
        var (domid, token) = await rig.Daemon.CreateDomainAsync("web", "loop");
        using var guest = rig.Daemon.StartGuest("web", token, "--netns", network.Name);
        guest.WaitForLine("\"event\":\"selftest\"", Paraiod.Patience);

        var added = await rig.Daemon.ControlAsync("device-add", "web", "vif,vnic=web0");

        Assert.AreEqual(("vif", 0), (added.GetProperty("type").GetString(), added.GetProperty("id").GetInt32()));
        guest.WaitForLine("""{"event":"device-added","type":"vif","id":0}""", Paraiod.Patience);
        using var vif = JsonDocument.Parse(guest.WaitForLine("\"event\":\"vif\"", Paraiod.Patience));
        var name = vif.RootElement.GetProperty("interface").GetString()!;
        Assert.AreEqual(network.Name, vif.RootElement.GetProperty("netns").GetString());
        Assert.AreEqual(vnic.GetProperty("mac").GetString(), vif.RootElement.GetProperty("mac").GetString(), "the interface has the vNIC's MAC");
        network.AddAddress(name, rig.AddressOf(1) + "/24");
        var ping = await NetworkRig.PingAsync(network, peer.Address);
        Assert.AreEqual(0, ping.ExitCode, ping.ToString());

        await rig.Daemon.ControlAsync("device-remove", "web", "vif:0");

        guest.WaitForLine("""{"event":"device-removed","type":"vif","id":0}""", Paraiod.Patience);
        Assert.IsFalse(network.Execute("ip", "link", "show", name).Succeeded, $"{name} left the guest's namespace");
        var port = $"vif{domid}.0";
        Assert.IsFalse((await rig.ShowBridgeAsync()).GetProperty("ports").EnumerateArray().Any(p => p.GetProperty("name").GetString() == port), "the vif's port left the bridge");
        Assert.IsFalse(guest.HasExited, guest.Output);
        Assert.AreEqual(0, (await NetworkRig.PingAsync(peer.Namespace, peer.Address, count: 1)).ExitCode, "the peer is untouched");
        var counters = (await rig.Daemon.ControlAsync("vnic-list"))[0].GetProperty("counters");
        Assert.IsTrue(counters.GetProperty("frames").GetInt64() > 0, $"the pings went through the vNIC's shaper: {counters}");
    }

    private static string ExportLine(int id) => $"\"event\":\"export\",\"type\":\"vbd\",\"id\":{id.ToString(CultureInfo.InvariantCulture)},";

    /// <summary>Creates a disk of <see cref="DiskBytes"/>; returns its image file.</summary>
    private static async Task<string> CreateDiskAsync(Paraiod daemon, string name) =>
        (await daemon.ControlAsync("disk-create", name, DiskBytes.ToString(CultureInfo.InvariantCulture))).GetProperty("path").GetString()!;
}
