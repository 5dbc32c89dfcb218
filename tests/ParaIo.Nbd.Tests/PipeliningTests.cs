using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>Pipelined requests run concurrently, up to the queue depth, and replies match by cookie.</summary>
[TestClass]
public sealed class PipeliningTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task PipelinedReadsReachTheDeviceTogether()
    {
        var device = new GatedBlockDevice();
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        // Eight reads in one burst. The device holds each at its gate, so if the server ran
        // them one at a time only the first would ever arrive.
        await client.SendRawAsync([.. Enumerable.Range(0, 8).SelectMany(i => RawNbdClient.Request(Wire.CmdRead, (ulong)(100 + i), (ulong)i * 4096, 4096))]);

        Assert.IsTrue(await device.WaitForArrivalsAsync(8, Wait), $"only {device.MaxWaiting} reads reached the device at once");
        device.Open();
        var cookies = new HashSet<ulong>();
        for (var i = 0; i < 8; i++)
        {
            var reply = await client.ReadReplyAsync(4096);
            Assert.AreEqual(0u, reply.Error);
            cookies.Add(reply.Cookie);
        }

        CollectionAssert.AreEquivalent(Enumerable.Range(100, 8).Select(i => (ulong)i).ToList(), cookies.ToList());
    }

    [TestMethod]
    public async Task NoMoreThanTheQueueDepthRunAtOnce()
    {
        var device = new GatedBlockDevice();
        await using var export = TestExport.Start(device, socket => new NbdServerOptions { UnixSocketPath = socket, MaxInFlightPerConnection = 4 });
        await using var client = await export.OpenAsync();

        await client.SendRawAsync([.. Enumerable.Range(0, 12).SelectMany(i => RawNbdClient.Request(Wire.CmdRead, (ulong)i, (ulong)i * 4096, 4096))]);

        Assert.IsTrue(await device.WaitForArrivalsAsync(4, Wait), "the first four run");
        Assert.IsFalse(await device.WaitForArrivalsAsync(1, TimeSpan.FromMilliseconds(300)), "a fifth waits while four are in flight");
        device.Open();
        for (var i = 0; i < 12; i++)
        {
            Assert.AreEqual(0u, (await client.ReadReplyAsync(4096)).Error);
        }

        Assert.AreEqual(4, device.MaxWaiting);
    }

    [TestMethod]
    public async Task RepliesComeInCompletionOrderNotRequestOrder()
    {
        var device = new GatedBlockDevice();
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        // A read held at the gate, then a write that does not wait: the write is answered first.
        await client.SendRequestAsync(Wire.CmdRead, cookie: 1, offset: 0, length: 4096);
        Assert.IsTrue(await device.WaitForArrivalsAsync(1, Wait));
        await client.SendRequestAsync(Wire.CmdWrite, cookie: 2, offset: 8192, length: 4096, payload: new byte[4096]);

        Assert.AreEqual(2ul, (await client.ReadReplyAsync()).Cookie);
        device.Open();
        Assert.AreEqual(1ul, (await client.ReadReplyAsync(4096)).Cookie);
    }

    [TestMethod]
    public async Task ManyClientsAtOnceEachSeeTheirOwnData()
    {
        await using var export = TestExport.Start();
        const int Clients = 8;
        const int Blocks = 64;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async n =>
        {
            await using var client = await export.OpenAsync();
            var region = (ulong)n * (4 << 20);
            var expected = new byte[Blocks][];
            for (var b = 0; b < Blocks; b++)
            {
                expected[b] = new byte[4096];
                Random.Shared.NextBytes(expected[b]);
            }

            // Pipelined writes, then pipelined reads, each burst answered in any order.
            await client.SendRawAsync([.. Enumerable.Range(0, Blocks).SelectMany(b => RawNbdClient.Request(Wire.CmdWrite, (ulong)b, region + ((ulong)b * 4096), 4096, payload: expected[b]))]);
            for (var b = 0; b < Blocks; b++)
            {
                Assert.AreEqual(0u, (await client.ReadReplyAsync()).Error);
            }

            await client.SendRawAsync([.. Enumerable.Range(0, Blocks).SelectMany(b => RawNbdClient.Request(Wire.CmdRead, (ulong)b, region + ((ulong)b * 4096), 4096))]);
            for (var b = 0; b < Blocks; b++)
            {
                var reply = await client.ReadReplyAsync(4096);
                Assert.AreEqual(0u, reply.Error);
                CollectionAssert.AreEqual(expected[reply.Cookie], reply.Data, $"client {n} block {reply.Cookie}");
            }
        }));

        Assert.AreEqual(Clients, export.Server.Statistics.ConnectionsAccepted);
    }
}
