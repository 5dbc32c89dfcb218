using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>What the client learns in the handshake from real servers, and how it names them.</summary>
[TestClass]
public sealed class HandshakeTests
{
    [TestMethod]
    public async Task AnNbdkitFileExportTellsItsSizeAndWhatItTakes()
    {
        await using var server = await SanServer.NbdkitFileAsync(64L << 20);
        await using var client = await NbdClient.ConnectAsync(server.Uri()).Within();

        var export = client.Export;
        Assert.AreEqual(64L << 20, export.Size);
        Assert.IsTrue(export.NegotiatedWithGo, "nbdkit knows NBD_OPT_GO");
        Assert.IsFalse(export.IsReadOnly);
        Assert.IsTrue(export.CanFlush);
        Assert.IsTrue(export.CanTrim);
        Assert.IsTrue(export.CanFua);
        Assert.IsTrue(int.IsPow2(export.MinimumBlockSize) && export.MinimumBlockSize <= 4096, $"minimum {export.MinimumBlockSize}");
        Assert.IsTrue(export.MaxPayload is >= 4096 and <= 32 << 20, $"max payload {export.MaxPayload}");
    }

    [TestMethod]
    public async Task AReadOnlyExportMakesAReadOnlyLun()
    {
        await using var server = await SanServer.NbdkitFileAsync(8L << 20, "-r");
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();

        Assert.IsTrue(lun.IsReadOnly);
        Assert.IsFalse(lun.CanDiscard);
        Assert.AreEqual(8L << 20, lun.Size);
        Assert.ThrowsExactly<InvalidOperationException>(() => lun.WriteAsync(0, new byte[512]).AsTask());
        var buffer = new byte[4096];
        await lun.ReadAsync(0, buffer).Within();
        Assert.IsTrue(buffer.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [TestMethod]
    public async Task QemuNbdIsReachedByItsExportName()
    {
        await using var server = await SanServer.QemuNbdAsync(4L << 20, "vol1");
        await using var lun = await NbdLun.ConnectAsync(server.Uri("vol1"), new NbdLunOptions(), CancellationToken.None).Within();

        Assert.AreEqual(4L << 20, lun.Size);
        Assert.AreEqual("vol1", lun.Export.Name);
        Assert.IsTrue(lun.Export.NegotiatedWithGo);

        var refused = await Assert.ThrowsExactlyAsync<NbdConnectionException>(() => NbdLun.ConnectAsync(server.Uri("nosuch"), new NbdLunOptions(), CancellationToken.None).Within());
        StringAssert.Contains(refused.Message, "nosuch");
        StringAssert.Contains(refused.Message, "no such export");
    }

    [TestMethod]
    public async Task AnExportIsReachedOverTcp()
    {
        SanServer.Require("nbdkit", "nbdkit");
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var nbdkit = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nbdkit")
        {
            ArgumentList = { "--foreground", "--exit-with-parent", "--ipaddr", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "memory", "2M" },
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        try
        {
            var uri = new Uri($"nbd://127.0.0.1:{port}/");
            NbdLun? lun = null;
            for (var attempt = 0; lun is null; attempt++)
            {
                try
                {
                    lun = await NbdLun.ConnectAsync(uri, new NbdLunOptions(), CancellationToken.None).Within();
                }
                catch (NbdConnectionException) when (attempt < 500)
                {
                    await Task.Delay(10); // nbdkit is not listening yet
                }
            }

            await using var connected = lun;
            Assert.AreEqual(2L << 20, connected.Size);
            await Patterns.RunAsync(connected, 2 << 20, seed: 9, concurrency: 8, rounds: 2, maxBytes: 128 << 10);
        }
        finally
        {
            nbdkit.Kill();
            await nbdkit.WaitForExitAsync().Within();
        }
    }

    [TestMethod]
    public void NbdUrisAreParsed()
    {
        var unix = NbdEndpoint.Parse(new Uri("nbd+unix:///vol%201?socket=/run/san/a.sock"));
        Assert.AreEqual("/run/san/a.sock", unix.UnixSocketPath);
        Assert.AreEqual("vol 1", unix.ExportName);
        Assert.IsNull(unix.Host);

        var unnamed = NbdEndpoint.Parse(new Uri("nbd+unix:///?socket=/tmp/s"));
        Assert.AreEqual("", unnamed.ExportName);

        var tcp = NbdEndpoint.Parse(new Uri("nbd://san.example:10900/lun7"));
        Assert.AreEqual("san.example", tcp.Host);
        Assert.AreEqual(10900, tcp.Port);
        Assert.AreEqual("lun7", tcp.ExportName);
        Assert.AreEqual(NbdEndpoint.DefaultPort, NbdEndpoint.Parse(new Uri("nbd://san.example/lun7")).Port);
        Assert.AreEqual("nbd://san.example:10900/lun7", tcp.ToString());

        Assert.ThrowsExactly<FormatException>(() => NbdEndpoint.Parse(new Uri("nbd+unix:///x")));
        Assert.ThrowsExactly<FormatException>(() => NbdEndpoint.Parse(new Uri("http://host/x")));
        Assert.ThrowsExactly<NotSupportedException>(() => NbdEndpoint.Parse(new Uri("nbds://host/x")));
    }
}
