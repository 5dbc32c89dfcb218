using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>
/// The random-pattern test a file LUN passes, run against LUNs on real NBD servers: many requests
/// in flight on one connection, 512 B to 1 MiB, single buffers and scatter/gather lists, read back
/// and compared with the image the server keeps.
/// </summary>
[TestClass]
public sealed class DataIntegrityTests
{
    private const int Disk = 64 << 20;

    [TestMethod]
    public async Task ALunOnNbdkitFileMatchesItsImage()
    {
        await using var server = await SanServer.NbdkitFileAsync(Disk);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();

        var model = await Patterns.RunAsync(lun, Disk, seed: 1, concurrency: 64);
        await lun.FlushAsync().Within();

        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, Disk));
        Assert.AreEqual(0, lun.RetriedRequests);
    }

    [TestMethod]
    public async Task ALunOnNbdkitMemoryRoundTrips()
    {
        await using var server = await SanServer.NbdkitMemoryAsync("64M");
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();

        Assert.AreEqual(Disk, lun.Size);
        await Patterns.RunAsync(lun, Disk, seed: 2, concurrency: 64);
    }

    [TestMethod]
    public async Task ALunOnQemuNbdMatchesItsImage()
    {
        await using var server = await SanServer.QemuNbdAsync(16 << 20, "disk");
        await using var lun = await NbdLun.ConnectAsync(server.Uri("disk"), new NbdLunOptions(), CancellationToken.None).Within();

        var model = await Patterns.RunAsync(lun, 16 << 20, seed: 3, concurrency: 32);
        await lun.FlushAsync().Within();

        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, 16 << 20));
    }

    [TestMethod]
    public async Task TransfersOverThePayloadCapAreSplitAndSlotsAreWaitedFor()
    {
        // 64 KiB payloads and 4 slots: a 1 MiB transfer is 16 requests, and 32 transfers at once
        // wait for slots; the data still lands where it belongs.
        await using var server = await SanServer.NbdkitFileAsync(16 << 20);
        var options = new NbdLunOptions { Client = new NbdClientOptions { MaxPayload = 64 << 10, MaxInFlight = 4 } };
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), options, CancellationToken.None).Within();
        Assert.AreEqual(64 << 10, lun.Export.MaxPayload);

        var model = await Patterns.RunAsync(lun, 16 << 20, seed: 4, concurrency: 16, rounds: 2);

        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, 16 << 20));
    }

    [TestMethod]
    public async Task TheClientReadsIntoScatteredMemoryAndWritesFromGatheredMemory()
    {
        await using var server = await SanServer.NbdkitMemoryAsync("1M");
        await using var client = await NbdClient.ConnectAsync(server.Uri()).Within();
        var data = Patterns.Random(3 * 4096, seed: 5);

        await client.WriteAsync(8192, Patterns.Pieces(data, 1000), forceUnitAccess: true).Within();
        var first = new byte[5000];
        var second = new byte[3 * 4096 - 5000];
        await client.ReadAsync(8192, [first, second]).Within();

        CollectionAssert.AreEqual(data, first.Concat(second).ToArray());
        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => client.ReadAsync((1 << 20) - 512, new byte[1024]).AsTask());
    }
}
