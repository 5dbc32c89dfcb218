using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>
/// A guest served from the SAN: BlkFront, the ring and BlkBack in one process, and behind BlkBack
/// a LUN on nbdkit instead of an image file. The block path's data-integrity pattern goes through
/// it, also while nbdkit is killed and restarted.
/// </summary>
[TestClass]
public sealed class GuestPathTests
{
    private const int Disk = 8 << 20;

    [TestMethod]
    public async Task AGuestOnANbdkitLunReadsBackWhatItWrote()
    {
        await using var server = await SanServer.NbdkitFileAsync(Disk);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();
        await using var rig = new GuestRig();
        var (front, back) = await rig.ConnectAsync(lun);

        var model = await RunPatternAsync(front, seed: 6, restart: null);

        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, Disk));
        Assert.AreEqual(0, back.Counters.RejectedTotal);
        Assert.AreEqual(0, back.Counters.IoErrors);
        Assert.AreEqual(0, front.StrayResponses);
    }

    [TestMethod]
    public async Task AGuestRidesOutARestartOfTheSan()
    {
        await using var server = await SanServer.NbdkitFileAsync(Disk);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions { ReconnectDeadline = TimeSpan.FromSeconds(10) }, CancellationToken.None).Within();
        await using var rig = new GuestRig();
        var (front, back) = await rig.ConnectAsync(lun);

        var model = await RunPatternAsync(front, seed: 7, restart: server);

        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, Disk));
        Assert.AreEqual(0, back.Counters.IoErrors);
        Assert.IsTrue(lun.Reconnects >= 1);
    }

    /// <summary>As ParaIo.Block.Tests' ManyConcurrentRandomTransfersMatchAModel; with <paramref name="restart"/>, the server is killed after the first round and started again.</summary>
    private static async Task<byte[]> RunPatternAsync(ParaIo.Frontend.Block.BlockFrontDevice front, int seed, SanServer? restart)
    {
        var model = new byte[Disk];
        var random = new Random(seed);
        var buffers = Enumerable.Range(0, 16).Select(_ => front.AllocateBuffer(256 * 1024)).ToArray();
        try
        {
            for (var round = 0; round < 6; round++)
            {
                var tasks = new List<Task>();
                for (var i = 0; i < buffers.Length; i++)
                {
                    var sectors = random.Next(1, 512);
                    var sector = (i * (Disk / 512 / buffers.Length)) + random.Next(0, (Disk / 512 / buffers.Length) - sectors);
                    var data = Patterns.Random(sectors * 512, random.Next());
                    data.CopyTo(buffers[i].Memory.Span);
                    data.CopyTo(model.AsSpan(sector * 512));
                    tasks.Add(front.WriteAsync(sector, buffers[i].Memory[..(sectors * 512)]).AsTask());
                }

                if (restart is not null && round == 1)
                {
                    await restart.KillAsync();
                    await Task.Delay(200);
                    await restart.StartAsync();
                }

                await Task.WhenAll(tasks).Within();
            }

            for (var i = 0; i < 200; i++)
            {
                var sectors = random.Next(1, 512);
                var sector = random.Next(0, (Disk / 512) - sectors);
                var buffer = buffers[i % buffers.Length];
                await front.ReadAsync(sector, buffer.Memory[..(sectors * 512)]).Within();
                Assert.IsTrue(buffer.Memory.Span[..(sectors * 512)].SequenceEqual(model.AsSpan(sector * 512, sectors * 512)), $"read of {sectors} sectors at {sector}");
            }

            await front.FlushAsync().Within();
            return model;
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }
        }
    }
}
