using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Protocol.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// A FLUSH is acknowledged only after every write received before it has completed and the fsync
/// that follows them has returned; writes received after it do not hold it up.
/// </summary>
[TestClass]
public sealed class FlushOrderingTests
{
    private const long Disk = 16L << 20;

    [TestMethod]
    public async Task AFlushWaitsForEarlierWritesButNotLaterOnes()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (front, back) = await rig.ConnectAsync(lun);
        using var early = front.AllocateBuffer(4096);
        using var late = front.AllocateBuffer(4096);
        DataIntegrityTests.Pattern(4096, 1).CopyTo(early.Memory.Span);
        DataIntegrityTests.Pattern(4096, 2).CopyTo(late.Memory.Span);

        lun.HoldWrite(0);
        var earlyWrite = front.WriteAsync(0, early.Memory).AsTask();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.Logged("write-start 0")));
        var flush = front.FlushAsync().AsTask();
        lun.HoldWrite(100 * 512);
        var lateWrite = front.WriteAsync(100, late.Memory).AsTask();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.Logged("write-start 51200")));

        await Task.Delay(200);
        Assert.IsFalse(flush.IsCompleted, "the flush was acknowledged before an earlier write completed");
        Assert.IsFalse(lun.Logged("flush-start"), "fsync ran before an earlier write completed");

        lun.ReleaseWrite(0);
        await earlyWrite.Within();
        await flush.Within();
        Assert.IsFalse(lateWrite.IsCompleted, "the later write is still held");
        Assert.IsTrue(lun.IndexOf("write-done 0") < lun.IndexOf("flush-start"));
        Assert.IsTrue(lun.IndexOf("flush-start") < lun.IndexOf("flush-done"));

        lun.ReleaseWrite(100 * 512);
        await lateWrite.Within();
        Assert.AreEqual(1, back.Counters.Flushes);
    }

    [TestMethod]
    public async Task SuccessiveFlushesEachWaitForTheirOwnEarlierWrites()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (front, _) = await rig.ConnectAsync(lun);
        using var buffer = front.AllocateBuffer(8192);

        lun.HoldWrite(0);
        var first = front.WriteAsync(0, buffer.Memory[..4096]).AsTask();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.Logged("write-start 0")));
        var flushOne = front.FlushAsync().AsTask();
        var second = front.WriteAsync(8, buffer.Memory[4096..]).AsTask();
        await second.Within(); // not held, and not behind the first flush
        var flushTwo = front.FlushAsync().AsTask();

        await Task.Delay(100);
        Assert.IsFalse(flushOne.IsCompleted);
        Assert.IsFalse(flushTwo.IsCompleted, "the second flush must also cover the first, still running, write");

        lun.ReleaseWrite(0);
        await Task.WhenAll(first, flushOne, flushTwo).Within();
    }

    [TestMethod]
    public async Task AFlushWithDataWritesThenSyncs()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (raw, back) = await rig.ConnectRawAsync(lun);
        var (page, grant) = raw.GrantPage(readOnly: true);
        DataIntegrityTests.Pattern(4096, 3).CopyTo(raw.PageBytes(page));

        raw.Send(RawFrontend.Transfer(BlkifOperation.FlushDiskCache, 9, 16, new BlkifSegment(grant.Value, 0, 7)));
        var response = raw.Receive();

        Assert.AreEqual(BlkifStatus.Okay, response.Status);
        Assert.AreEqual(9ul, response.Id);
        Assert.AreEqual(BlkifOperation.FlushDiskCache, response.Operation);
        Assert.IsTrue(lun.IndexOf("write-done 8192") < lun.IndexOf("flush-start"));
        CollectionAssert.AreEqual(DataIntegrityTests.Pattern(4096, 3), Native.ReadImage(rig.PathOf("disk.img"), 8192, 4096));
        Assert.AreEqual(4096, back.Counters.BytesWritten);
    }

    [TestMethod]
    public async Task AFlushOnAnIdleDiskCompletesAtOnce()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk, new FileLunOptions { SynchronousIo = true }));

        await front.FlushAsync().Within();
        await front.FlushAsync().Within();

        Assert.AreEqual(2, back.Counters.Flushes);
    }
}
