using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Frontend.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// Random patterns written through BlkFront, the ring and BlkBack into an image file, then read
/// back the same way and checked against the file itself.
/// </summary>
[TestClass]
public sealed class DataIntegrityTests
{
    private const long Disk = 64L << 20;

    [TestMethod]
    public async Task ASingleSegmentRoundTrips()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(Disk);
        var (front, back) = await rig.ConnectAsync(lun);

        await WriteThenReadBackAsync(rig, front, sector: 8, bytes: 4096, seed: 1);

        Assert.AreEqual(1, back.Counters.Writes);
        Assert.AreEqual(1, back.Counters.Reads);
        Assert.AreEqual(4096, back.Counters.BytesWritten);
        Assert.AreEqual(4096, back.Counters.BytesRead);
    }

    [TestMethod]
    public async Task ElevenSegmentsTravelInOneDirectRequest()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));

        await WriteThenReadBackAsync(rig, front, sector: 1000, bytes: 11 * 4096, seed: 2);

        Assert.AreEqual(1, back.Counters.Writes);
        Assert.AreEqual(1, back.Counters.Reads);
        Assert.AreEqual(0, back.Counters.Indirect);
    }

    [TestMethod]
    public async Task AMegabyteTravelsInOneIndirectRequest()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));
        Assert.AreEqual(256, front.IndirectSegments);

        await WriteThenReadBackAsync(rig, front, sector: 2048, bytes: 1 << 20, seed: 3);

        Assert.AreEqual(2, back.Counters.Indirect);
        Assert.AreEqual(1, back.Counters.Writes);
        Assert.AreEqual(1, back.Counters.Reads);
        Assert.AreEqual(1 << 20, back.Counters.BytesRead);
    }

    [TestMethod]
    public async Task TheIndirectSizeLeavesRoomInASmallGrantTable()
    {
        // 4096 grants: a full queue of 1 MiB indirect requests would need 8192, so the frontend
        // sends smaller ones, and 32 such transfers at once never run out of grants.
        await using var rig = new BlockRig(poolPages: 16384, grantEntries: 4096);
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));
        Assert.IsTrue(front.IndirectSegments > 11 && front.IndirectSegments < 256, $"{front.IndirectSegments} segments");
        Assert.IsTrue((front.IndirectSegments + 8) * front.QueueDepth <= rig.Guest.Grants.FreeCount);
        var buffers = Enumerable.Range(0, 32).Select(_ => front.AllocateBuffer(1 << 20)).ToArray();

        await Task.WhenAll(buffers.Select((b, i) => front.WriteAsync(i * 2048L, b.Memory).AsTask())).Within();

        Assert.AreEqual(0, back.Counters.RejectedTotal);
        Assert.AreEqual(32 * (1 << 20), back.Counters.BytesWritten);
        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }
    }

    [TestMethod]
    public async Task IndirectRequestsSpanSeveralSegmentPages()
    {
        // 600 segments need two indirect pages of 512.
        await using var rig = new BlockRig(poolPages: 8192);
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk), new BlockBackendOptions { MaxIndirectSegments = 1024 }, new BlockFrontendOptions { MaxIndirectSegments = 1024, QueueDepth = 4 });

        await WriteThenReadBackAsync(rig, front, sector: 0, bytes: 600 * 4096, seed: 4);

        Assert.AreEqual(2, back.Counters.Indirect);
    }

    [TestMethod]
    public async Task WithoutIndirectALargeTransferIsSplitIntoElevenSegmentRequests()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk), new BlockBackendOptions { MaxIndirectSegments = 0 });
        Assert.AreEqual(0, front.IndirectSegments);

        await WriteThenReadBackAsync(rig, front, sector: 77, bytes: 25 * 4096, seed: 5);

        Assert.AreEqual(3, back.Counters.Writes); // 11 + 11 + 3 pages
        Assert.AreEqual(3, back.Counters.Reads);
        Assert.AreEqual(0, back.Counters.Indirect);
    }

    [TestMethod]
    [DataRow(512 * 3, 512 * 2, DisplayName = "inside one page: sectors 3..4")]
    [DataRow(512 * 7, 512 * 2, DisplayName = "last sector of a page and first of the next")]
    [DataRow(512 * 5, 512 * 30, DisplayName = "partial first page, whole pages, partial last page")]
    [DataRow(512 * 1, (512 * 8 * 20) - 1024, DisplayName = "20 pages unaligned at both ends: indirect")]
    public async Task UnalignedWithinAPageRoundTrips(int offsetInBuffer, int length)
    {
        await using var rig = new BlockRig();
        var (front, _) = await rig.ConnectAsync(rig.CreateLun(Disk));
        using var buffer = front.AllocateBuffer(offsetInBuffer + length + 4096);
        using var readBack = front.AllocateBuffer(offsetInBuffer + length + 4096);
        var pattern = Pattern(length, seed: offsetInBuffer + length);
        pattern.CopyTo(buffer.Memory.Span[offsetInBuffer..]);

        await front.WriteAsync(333, buffer.Memory.Slice(offsetInBuffer, length)).Within();
        await front.ReadAsync(333, readBack.Memory.Slice(offsetInBuffer, length)).Within();

        CollectionAssert.AreEqual(pattern, readBack.Memory.Slice(offsetInBuffer, length).ToArray());
        CollectionAssert.AreEqual(pattern, Native.ReadImage(rig.PathOf("disk.img"), 333 * 512, length));
        // Bytes around the slice stay untouched in the guest's buffer.
        Assert.IsTrue(readBack.Memory.Span[..offsetInBuffer].IndexOfAnyExcept((byte)0) < 0);
    }

    [TestMethod]
    public async Task ManyConcurrentRandomTransfersMatchAModel()
    {
        const int disk = 8 << 20;
        await using var rig = new BlockRig(poolPages: 8192);
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(disk));
        var model = new byte[disk];
        var random = new Random(6);
        var buffers = Enumerable.Range(0, 16).Select(_ => front.AllocateBuffer(64 * 1024)).ToArray();
        try
        {
            // Writes to disjoint ranges in flight together, so the model is exact whatever order the backend ran them in.
            for (var round = 0; round < 8; round++)
            {
                var tasks = new List<Task>();
                for (var i = 0; i < buffers.Length; i++)
                {
                    var sectors = random.Next(1, 128);
                    var sector = (i * (disk / 512 / buffers.Length)) + random.Next(0, (disk / 512 / buffers.Length) - sectors);
                    var data = Pattern(sectors * 512, random.Next());
                    data.CopyTo(buffers[i].Memory.Span);
                    data.CopyTo(model.AsSpan(sector * 512));
                    tasks.Add(front.WriteAsync(sector, buffers[i].Memory[..(sectors * 512)]).AsTask());
                }

                await Task.WhenAll(tasks).Within();
            }

            for (var i = 0; i < 200; i++)
            {
                var sectors = random.Next(1, 128);
                var sector = random.Next(0, (disk / 512) - sectors);
                var buffer = buffers[i % buffers.Length];
                await front.ReadAsync(sector, buffer.Memory[..(sectors * 512)]).Within();
                Assert.IsTrue(buffer.Memory.Span[..(sectors * 512)].SequenceEqual(model.AsSpan(sector * 512, sectors * 512)), $"read of {sectors} sectors at {sector}");
            }

            CollectionAssert.AreEqual(model, Native.ReadImage(rig.PathOf("disk.img"), 0, disk));
            Assert.AreEqual(0, back.Counters.RejectedTotal);
            Assert.AreEqual(0, front.StrayResponses);
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }
        }
    }

    [TestMethod]
    public async Task TransfersThroughASynchronousLunRoundTrip()
    {
        // The other tests use the default, thread-pool FileLun; this one answers on the ring thread.
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk, new FileLunOptions { SynchronousIo = true }));

        var tasks = Enumerable.Range(0, 40).Select(i => WriteThenReadBackAsync(rig, front, sector: i * 64, bytes: 8192, seed: 100 + i));
        await Task.WhenAll(tasks).Within();

        Assert.AreEqual(40, back.Counters.Writes);
    }

    [TestMethod]
    public async Task DiscardedSectorsReadAsZeros()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));
        await WriteThenReadBackAsync(rig, front, sector: 0, bytes: 64 * 1024, seed: 7);

        await front.DiscardAsync(16, 64).Within(); // 8 KiB .. 40 KiB

        using var buffer = front.AllocateBuffer(64 * 1024);
        await front.ReadAsync(0, buffer.Memory).Within();
        var expected = Pattern(64 * 1024, 7);
        expected.AsSpan(8192, 32768).Clear();
        CollectionAssert.AreEqual(expected, buffer.Memory.ToArray());
        Assert.AreEqual(1, back.Counters.Discards);
    }

    [TestMethod]
    public async Task BuffersMustComeFromThePoolAndBeSectorAligned()
    {
        await using var rig = new BlockRig();
        var (front, _) = await rig.ConnectAsync(rig.CreateLun(Disk));
        using var buffer = front.AllocateBuffer(8192);

        Assert.ThrowsExactly<ArgumentException>(() => front.ReadAsync(0, new byte[4096]).AsTask());
        Assert.ThrowsExactly<ArgumentException>(() => front.ReadAsync(0, buffer.Memory.Slice(100, 512)).AsTask());
        Assert.ThrowsExactly<ArgumentException>(() => front.ReadAsync(0, buffer.Memory[..1000]).AsTask());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => front.ReadAsync((Disk / 512) - 1, buffer.Memory[..1024]).AsTask());
    }

    internal static async Task WriteThenReadBackAsync(BlockRig rig, BlockFrontDevice front, long sector, int bytes, int seed)
    {
        using var source = front.AllocateBuffer(bytes);
        using var target = front.AllocateBuffer(bytes);
        var pattern = Pattern(bytes, seed);
        pattern.CopyTo(source.Memory.Span);

        await front.WriteAsync(sector, source.Memory).Within();
        await front.ReadAsync(sector, target.Memory).Within();

        Assert.IsTrue(target.Memory.Span.SequenceEqual(pattern), "read back what was written");
        Assert.IsTrue(Native.ReadImage(rig.PathOf("disk.img"), sector * 512, bytes).AsSpan().SequenceEqual(pattern), "the image holds what was written");
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
