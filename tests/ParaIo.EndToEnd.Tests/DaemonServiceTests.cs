using System.Net;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>paraiod as an operator's service: metrics, a clean stop, a second daemon on the same socket.</summary>
[TestClass]
public sealed class DaemonServiceTests
{
    [TestMethod]
    public async Task ThePrometheusEndpointCountsDomainsAndConnectedDevices()
    {
        var port = FreePort();
        await using var daemon = await Paraiod.StartAsync($"127.0.0.1:{port}");
        var (_, token) = await daemon.CreateDomainAsync("web", "loop", "loop:1");
        using var guest = daemon.StartGuest("web", token);
        await daemon.WaitForDevicesAsync("web", 4, 4);

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        StringAssert.Contains(text, "# TYPE paraio_devices_connected gauge");
        StringAssert.Contains(text, "paraio_devices_connected 2\n");
        StringAssert.Contains(text, "paraio_domains 1\n");
        StringAssert.Contains(text, "# TYPE paraio_control_requests_total counter");
        StringAssert.Contains(text, "paraio_control_requests_total{command=\"domain-create\"} 1\n");
    }

    [TestMethod]
    public async Task SigtermWalksEveryDeviceToClosedAndExitsZero()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("web", "loop");
        using var guest = daemon.StartGuest("web", token);
        await daemon.WaitForDevicesAsync("web", 4, 4);

        Assert.AreEqual(0, daemon.Process.Terminate(Paraiod.Patience), daemon.Process.Output);
        StringAssert.Contains(daemon.Process.Output, "Device dom1/loop/0 disconnected: the daemon is stopping");
        StringAssert.Contains(daemon.Process.Output, "every device walked to Closed");
        guest.WaitForLine("\"state\":\"Closed\"", Paraiod.Patience);
    }

    [TestMethod]
    public async Task AGuestSizesItsPoolAndGrantTableAndBadSizesAreRefused()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("big", "loop");
        using var guest = daemon.StartGuest("big", token, "--pool-pages", "262144", "--grant-entries", "32768");
        using var refused = daemon.StartGuest("big", token, "--grant-entries", "100");

        await daemon.WaitForDevicesAsync("big", 4, 4);
        daemon.Process.WaitForLine("Domain big (dom1) connected: pool of 262144 pages", Paraiod.Patience);
        Assert.AreEqual(2, refused.WaitForExit(Paraiod.Patience));
        StringAssert.Contains(refused.Output, "--grant-entries takes 512 to 32768, not '100'");
    }

    [TestMethod]
    public async Task ASecondDaemonOnALiveSocketRefusesToStart()
    {
        await using var daemon = await Paraiod.StartAsync();

        using var second = ChildProcess.Start("paraiod", null, "--socket", daemon.SocketPath, "--state-dir", Path.Combine(daemon.Directory, "other"), "--metrics", "");

        Assert.AreNotEqual(0, second.WaitForExit(Paraiod.Patience));
        Assert.IsFalse(daemon.Process.HasExited);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
