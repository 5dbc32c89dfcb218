using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>FLUSH and TRIM reach the server as NBD commands (nbdkit's log filter records them), and a trimmed range reads as zeros.</summary>
[TestClass]
public sealed class FlushAndTrimTests
{
    [TestMethod]
    public async Task AFlushIsSentToTheServer()
    {
        await using var server = await SanServer.NbdkitFileAsync(4 << 20, "--filter=log");
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();

        await lun.WriteAsync(0, Patterns.Random(4096, 1)).Within();
        Assert.IsFalse(Log(server).Contains("Flush", StringComparison.Ordinal), "no flush before one was asked for");
        await lun.FlushAsync().Within();

        StringAssert.Contains(Log(server), "Flush");
    }

    [TestMethod]
    public async Task ATrimmedRangeReadsAsZerosAndIsAHoleInTheImage()
    {
        await using var server = await SanServer.NbdkitFileAsync(4 << 20, "--filter=log");
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();
        Assert.IsTrue(lun.CanDiscard);
        var data = Patterns.Random(256 << 10, 2);
        await lun.WriteAsync(0, data).Within();

        await lun.DiscardAsync(64 << 10, 128 << 10).Within();

        var expected = data.ToArray();
        expected.AsSpan(64 << 10, 128 << 10).Clear();
        var back = new byte[256 << 10];
        await lun.ReadAsync(0, back).Within();
        CollectionAssert.AreEqual(expected, back);
        CollectionAssert.AreEqual(expected, Patterns.Image(server.ImagePath, 256 << 10));
        StringAssert.Contains(Log(server), "Trim");
    }

    [TestMethod]
    public async Task TrimIsRefusedWhereTheServerDoesNotOfferIt()
    {
        await using var server = new FakeNbdServer(FakeBehavior.Correct);
        await using var lun = await NbdLun.ConnectAsync(server.Uri, new NbdLunOptions(), CancellationToken.None).Within();
        Assert.IsTrue(lun.Export.CanFlush);
        Assert.IsFalse(lun.CanDiscard);

        await lun.FlushAsync().Within();
        Assert.ThrowsExactly<NotSupportedException>(() => lun.DiscardAsync(0, 4096).AsTask());
    }

    private static string Log(SanServer server)
    {
        using var stream = new FileStream(server.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
