using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// A SAN that does not answer when paraiod starts: its disk is unavailable, the guest's device
/// waits Closed with the reason, and once the NBD server is back paraiod connects in the background
/// and offers the device, which then carries the guest's bytes to the SAN.
/// </summary>
[TestClass]
public sealed class SanStartupTests
{
    private const long DiskBytes = 16L << 20;

    [TestMethod]
    public async Task ASanDownWhenParaiodStartsIsServedOnceItAnswers()
    {
        ExternalTool.Require("nbdkit", "nbdkit");
        await using var daemon = await Paraiod.StartAsync();
        var image = Path.Combine(daemon.Directory, "san.img");
        await using (var file = File.Create(image))
        {
            file.SetLength(DiskBytes);
        }

        var socket = Path.Combine(daemon.Directory, "san.sock");
        var pidFile = Path.Combine(daemon.Directory, "san.pid");
        await StartNbdkitAsync(socket, pidFile, image);
        try
        {
            await daemon.ControlAsync("disk-san", "shared", $"nbd+unix:///?socket={socket}");
            var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=shared");

            // paraiod goes down, then the SAN; paraiod comes back first.
            await daemon.KillAsync();
            StopNbdkit(pidFile, socket);
            await daemon.StartAgainAsync();
            using var guest = daemon.StartGuest("app", token);
            await daemon.WaitForDevicesAsync("app", frontend: 1, backend: 6);
            daemon.Process.WaitForLine("SAN disk shared", Paraiod.Patience);
            Assert.IsFalse(guest.Output.Contains("\"event\":\"export\"", StringComparison.Ordinal), "nothing is exported while the SAN is away");

            await StartNbdkitAsync(socket, pidFile, image);
            var export = JsonDocument.Parse(guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience)).RootElement;
            daemon.Process.WaitForLine("answers again", Paraiod.Patience);

            // Guest → BlkFront → ring → BlkBack → paraiod's NBD client → nbdkit → the SAN's file.
            await using var client = await RawNbdClient.OpenAsync(export.GetProperty("socket").GetString()!);
            var data = RandomNumberGenerator.GetBytes(256 * 1024);
            await client.WriteAsync(4096, data);
            CollectionAssert.AreEqual(data, await client.ReadAsync(4096, data.Length, 2));
            await client.SendRequestAsync(Wire.CmdFlush, 3, 0, 0);
            Assert.AreEqual(0u, (await client.ReadReplyAsync()).Error);
            Assert.IsTrue(ImageFile.Read(image, 4096, data.Length).SequenceEqual(data), "the SAN's image holds what the guest wrote");
        }
        finally
        {
            StopNbdkit(pidFile, socket);
        }
    }

    private static async Task StartNbdkitAsync(string socket, string pidFile, string image)
    {
        var started = await ExternalTool.RunAsync("nbdkit", "--unix", socket, "--pidfile", pidFile, "file", image);
        Assert.AreEqual(0, started.ExitCode, started.ToString());
    }

    private static void StopNbdkit(string pidFile, string socket)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Gone already.
            }

            File.Delete(pidFile);
        }

        File.Delete(socket);
    }
}
