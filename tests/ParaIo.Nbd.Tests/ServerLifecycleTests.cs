using System.Net;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>Starting, listening and stopping: sockets, limits and a clean shutdown.</summary>
[TestClass]
public sealed class ServerLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task StopAnswersRequestsInFlightThenClosesTheConnection()
    {
        var device = new GatedBlockDevice();
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();
        await client.SendRequestAsync(Wire.CmdRead, cookie: 42, offset: 0, length: 4096);
        Assert.IsTrue(await device.WaitForArrivalsAsync(1, Wait));

        var stop = export.Server.StopAsync();
        await Task.Delay(100);
        Assert.IsFalse(stop.IsCompleted, "the stop waits for the read in flight");
        device.Open();

        var reply = await client.ReadReplyAsync(4096);
        Assert.AreEqual(42ul, reply.Cookie);
        Assert.AreEqual(0u, reply.Error);
        Assert.IsTrue(await client.WasClosedByServerAsync());
        await stop.WaitAsync(Wait);
        Assert.AreEqual(0, export.Server.Statistics.ActiveConnections);
    }

    [TestMethod]
    public async Task StopRemovesTheSocketAndRefusesNewClients()
    {
        await using var export = TestExport.Start();
        await using (var client = await export.OpenAsync())
        {
            await client.ReadAsync(0, 512);
        }

        await export.Server.StopAsync().WaitAsync(Wait);

        Assert.IsFalse(File.Exists(export.SocketPath));
        await Assert.ThrowsAsync<SocketException>(() => RawNbdClient.ConnectAsync(export.SocketPath));
    }

    [TestMethod]
    public async Task AStopThatTimesOutAbortsAConnectionStuckOnTheDevice()
    {
        var device = new GatedBlockDevice();
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();
        await client.SendRequestAsync(Wire.CmdRead, cookie: 1, offset: 0, length: 4096);
        Assert.IsTrue(await device.WaitForArrivalsAsync(1, Wait));

        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await export.Server.StopAsync(patience.Token).WaitAsync(Wait);

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.AreEqual(0, export.Server.Statistics.ActiveConnections);
    }

    [TestMethod]
    public async Task AnExistingFileAtTheSocketPathIsLeftAlone()
    {
        var directory = Directory.CreateTempSubdirectory("paraio-nbd-");
        try
        {
            var path = Path.Combine(directory.FullName, "nbd.sock");
            await File.WriteAllTextAsync(path, "not a socket");
            var server = new NbdServer(new MemoryBlockDevice(1 << 20), new NbdServerOptions { UnixSocketPath = path });

            Assert.Throws<IOException>(server.Start);
            await server.DisposeAsync();
            Assert.AreEqual("not a socket", await File.ReadAllTextAsync(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task ASecondServerOnALiveSocketIsRefusedAndTheFirstKeepsServing()
    {
        await using var export = TestExport.Start();
        var second = new NbdServer(new MemoryBlockDevice(1 << 20), new NbdServerOptions { UnixSocketPath = export.SocketPath });

        Assert.Throws<IOException>(second.Start);
        await second.DisposeAsync();

        // Disposing the refused server must not have removed the live server's socket.
        await using var client = await export.OpenAsync();
        Assert.AreEqual(TestExport.DefaultSize, client.ExportSize);
    }

    [TestMethod]
    public async Task TheSocketIsForItsOwnerOnly()
    {
        await using var export = TestExport.Start();

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(export.SocketPath));
    }

    [TestMethod]
    public async Task ClientsBeyondTheLimitAreClosedOnArrival()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, MaxConnections = 2 });
        await using var first = await export.OpenAsync();
        await using var second = await export.OpenAsync();

        await using var third = await RawNbdClient.ConnectAsync(export.SocketPath);

        Assert.IsTrue(await third.WasClosedByServerAsync());
        Assert.AreEqual(1, export.Server.Statistics.ConnectionsRefused);
        Assert.HasCount(512, await first.ReadAsync(0, 512));
    }

    [TestMethod]
    public async Task TcpLoopbackServesTheSameExport()
    {
        ExternalTool.Require("nbdinfo", "libnbd-bin");
        var device = new MemoryBlockDevice(16 << 20);
        await using var export = TestExport.Start(device, socket => new NbdServerOptions { UnixSocketPath = socket, TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0) });

        var port = export.Server.TcpEndPoint!.Port;
        var result = await ExternalTool.RunAsync("nbdinfo", "--size", $"nbd://127.0.0.1:{port}");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual((16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), result.Stdout.Trim());
    }

    [TestMethod]
    public void ANonLoopbackTcpEndpointIsRefused()
    {
        var options = new NbdServerOptions { TcpEndPoint = new IPEndPoint(IPAddress.Any, 10809) };

        var refusal = Assert.Throws<ArgumentException>(() => new NbdServer(new MemoryBlockDevice(1 << 20), options));

        Assert.Contains("loopback", refusal.Message);
    }

    [TestMethod]
    public void OptionsThatCannotBeAdvertisedAreRefused()
    {
        var device = new MemoryBlockDevice(1 << 20, blockSize: 4096);

        Assert.Throws<ArgumentException>(() => new NbdServer(device, new NbdServerOptions()));
        Assert.Throws<ArgumentException>(() => new NbdServer(device, new NbdServerOptions { UnixSocketPath = "/tmp/x", MaxPayloadLength = 6000 }));
        Assert.Throws<ArgumentException>(() => new NbdServer(device, new NbdServerOptions { UnixSocketPath = "/tmp/x", MaxInFlightPerConnection = 0 }));
        Assert.Throws<ArgumentException>(() => new NbdServer(device, new NbdServerOptions { UnixSocketPath = "/tmp/x", MaxBufferedBytesPerConnection = 1 << 20 }));
    }
}
