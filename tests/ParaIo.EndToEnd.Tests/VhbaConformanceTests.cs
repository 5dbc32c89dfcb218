using System.Globalization;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// A vHBA's service level and isolation end to end: fio's nbd engine on a guest's export of a disk
/// reached through a vHBA (<c>vbd,vhba=NAME,lun=LUN</c>) is held to the vHBA's bandwidth and IOPS
/// limits within ±5 % (and the same check rejects the unlimited vHBA); a LUN not masked to the
/// vHBA is refused; a vHBA device removed under a busy reader fails its reads with EIO, not a hang, and
/// the guest carries on. No root needed.
/// </summary>
[TestClass]
public sealed class VhbaConformanceTests
{
    private const long LunBytes = 64L << 20;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FioThroughAVhbaIsHeldToItsBandwidthAndIopsLimitsWithin5Percent()
    {
        ExternalTool.Require("fio", "fio");
        await using var daemon = await Paraiod.StartAsync();
        await daemon.ControlAsync("lun-create", "data", "size=" + LunBytes.ToString(CultureInfo.InvariantCulture));
        // 80 Mb/s is 10 MB/s.
        await daemon.ControlAsync("vhba-create", "db0", "hba0/0", "limit=80M");
        await daemon.ControlAsync("vhba-set", "db0", "mask=data");
        var (_, token) = await daemon.CreateDomainAsync("db", "vbd,vhba=db0,lun=data");
        using var guest = daemon.StartGuest("db", token);
        var uri = ExportUri(guest, 0);

        var bandwidth = (await FioAsync(uri, "64k")).GetProperty("bw_bytes").GetDouble();
        TestContext.WriteLine($"vHBA limited to 10 MB/s: fio read {bandwidth / 1e6:0.00} MB/s ({Math.Round((bandwidth - 10e6) / 10e6 * 100, 1):+0.0;-0.0;0.0} %)");
        Assert.IsTrue(RateCheck.IsWithin(bandwidth, 10e6), $"fio read {bandwidth / 1e6:0.00} MB/s through a vHBA limited to 10 MB/s");

        await daemon.ControlAsync("vhba-set", "db0", "limit=none", "iops=1000");
        var iops = (await FioAsync(uri, "4k")).GetProperty("iops").GetDouble();
        TestContext.WriteLine($"vHBA limited to 1000 IOPS: fio {iops:0} IOPS");
        Assert.IsTrue(RateCheck.IsWithin(iops, 1000), $"fio did {iops:0} IOPS through a vHBA limited to 1000");

        // Control: without its limit the same vHBA is not held to 1000 IOPS, and the check says so.
        await daemon.ControlAsync("vhba-set", "db0", "iops=none");
        var unlimited = (await FioAsync(uri, "4k")).GetProperty("iops").GetDouble();
        TestContext.WriteLine($"control, no limit: fio {unlimited:0} IOPS");
        Assert.IsFalse(RateCheck.IsWithin(unlimited, 1000), $"the check rejects {unlimited:0} IOPS from an unlimited vHBA");
    }

    [TestMethod]
    public async Task AGuestReachesOnlyMaskedLunsAndAVhbaDeviceRemovedUnderABusyReaderFailsItsReadsWithEio()
    {
        await using var daemon = await Paraiod.StartAsync();
        foreach (var lun in new[] { "data", "keep", "secret" })
        {
            await daemon.ControlAsync("lun-create", lun, "size=" + LunBytes.ToString(CultureInfo.InvariantCulture));
        }

        // 16 Mb/s (2 MB/s, 32 reads of 64 KiB a second): the reader's requests wait in the vHBA's gate.
        await daemon.ControlAsync("vhba-create", "db0", "hba0/0", "limit=16M");
        await daemon.ControlAsync("vhba-set", "db0", "mask=data", "mask=keep");
        var (_, token) = await daemon.CreateDomainAsync("db", "vbd,vhba=db0,lun=data", "vbd,vhba=db0,lun=keep", "vbd,vhba=db0,lun=secret");
        using var guest = daemon.StartGuest("db", token);
        var data = ExportSocket(guest, 0);
        var keep = ExportSocket(guest, 1);

        // The LUN not masked to the vHBA: refused, with the reason, and its device stays Closed.
        daemon.Process.WaitForLine("LUN 'secret' is not masked to vHBA 'db0'", Paraiod.Patience);
        Assert.AreEqual(("vbd/2", 6), (await daemon.DeviceStatesAsync("db")).Select(d => (d.Device, d.Backend)).Single(d => d.Device == "vbd/2"));
        Assert.IsFalse(guest.Output.Contains("\"event\":\"export\",\"type\":\"vbd\",\"id\":2,", StringComparison.Ordinal), "no export of the unmasked LUN");

        // A reader keeps 8 reads in flight through the vHBA's gate while the device is removed.
        await using var reader = await RawNbdClient.OpenAsync(data);
        var busy = new BusyNbdReader(reader, LunBytes);
        var reading = Task.Run(busy.RunAsync);
        await busy.Started.WaitAsync(Paraiod.Patience);

        await daemon.ControlAsync("device-remove", "db", "vbd:0");

        guest.WaitForLine("""{"event":"device-removed","type":"vbd","id":0}""", Paraiod.Patience);
        // The reader's deadline is RawNbdClient.Timeout: a request left hanging fails the test there.
        await reading.WaitAsync(Paraiod.Patience);
        TestContext.WriteLine($"{busy.Succeeded} reads served, then {busy.Errors.Count} failed: {string.Join(", ", busy.Errors)}");
        Assert.IsTrue(busy.Errors.Count > 0 && busy.Errors.All(e => e == Wire.EIO), $"reads failed with EIO: {string.Join(", ", busy.Errors)}");
        Assert.IsTrue(busy.Closed, "the export closed the connection");

        // The guest carries on: its other disk through the same vHBA reads and writes.
        Assert.IsFalse(guest.HasExited, guest.Output);
        await using var other = await RawNbdClient.OpenAsync(keep);
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64 << 10);
        await other.WriteAsync(0, bytes, cookie: 1);
        CollectionAssert.AreEqual(bytes, await other.ReadAsync(0, bytes.Length, cookie: 2));
        CollectionAssert.AreEqual(new[] { ("vbd/1", 4, 4), ("vbd/2", 1, 6) }, (await daemon.DeviceStatesAsync("db")).ToArray());
    }

    /// <summary>fio's nbd engine, 4 s of random reads at queue depth 8 after a 1 s ramp that is not counted; returns the job's read figures.</summary>
    private static async Task<JsonElement> FioAsync(string uri, string blockSize)
    {
        var fio = await ExternalTool.RunAsync(
            "fio", "--name=gate", "--ioengine=nbd", $"--uri={uri}", "--rw=randread", $"--bs={blockSize}", "--iodepth=8",
            "--time_based", "--runtime=4", "--ramp_time=1", "--output-format=json");
        Assert.AreEqual(0, fio.ExitCode, fio.ToString());
        using var report = JsonDocument.Parse(fio.Stdout[fio.Stdout.IndexOf('{', StringComparison.Ordinal)..]);
        var job = report.RootElement.GetProperty("jobs")[0];
        Assert.AreEqual(0, job.GetProperty("error").GetInt32(), fio.Stdout);
        return job.GetProperty("read").Clone();
    }

    private static string ExportSocket(ChildProcess guest, int id)
    {
        var line = guest.WaitForLine($"\"event\":\"export\",\"type\":\"vbd\",\"id\":{id.ToString(CultureInfo.InvariantCulture)},", Paraiod.Patience);
        using var export = JsonDocument.Parse(line);
        return export.RootElement.GetProperty("socket").GetString()!;
    }

    private static string ExportUri(ChildProcess guest, int id) => $"nbd+unix:///?socket={ExportSocket(guest, id)}";
}
