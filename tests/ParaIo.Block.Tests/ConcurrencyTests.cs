using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Frontend.Block;

namespace ParaIo.Block.Tests;

/// <summary>BlkBack serves requests concurrently up to its bound; BlkFront keeps at most its queue depth on the ring.</summary>
[TestClass]
public sealed class ConcurrencyTests
{
    [TestMethod]
    public async Task RequestsAreServedConcurrently()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(1 << 20);
        var (front, _) = await rig.ConnectAsync(lun);
        using var buffer = front.AllocateBuffer(10 * 4096);

        lun.HoldReads();
        var reads = Enumerable.Range(0, 10).Select(i => front.ReadAsync(i * 8, buffer.Memory.Slice(i * 4096, 4096)).AsTask()).ToArray();

        Assert.IsTrue(await Waits.UntilAsync(() => lun.ReadsInFlight == 10), $"only {lun.ReadsInFlight} reads reached the LUN together");
        lun.ReleaseReads();
        await Task.WhenAll(reads).Within();
    }

    [TestMethod]
    public async Task TheBackendBoundsRequestsInFlight()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(1 << 20);
        var (front, back) = await rig.ConnectAsync(lun, new BlockBackendOptions { MaxInFlight = 4 });
        using var buffer = front.AllocateBuffer(10 * 4096);

        lun.HoldReads();
        var reads = Enumerable.Range(0, 10).Select(i => front.ReadAsync(i * 8, buffer.Memory.Slice(i * 4096, 4096)).AsTask()).ToArray();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.ReadsInFlight == 4));
        await Task.Delay(100);
        Assert.AreEqual(4, lun.MaxReadsInFlight);
        Assert.AreEqual(10, front.InFlight, "the other six wait in the ring");

        lun.ReleaseReads();
        await Task.WhenAll(reads).Within();
        Assert.AreEqual(4, lun.MaxReadsInFlight);
        Assert.AreEqual(10, back.Counters.Reads);
    }

    [TestMethod]
    public async Task TheFrontendWaitsForRingSlotsBeyondItsQueueDepth()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(1 << 20);
        var (front, _) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { QueueDepth = 3 });
        using var buffer = front.AllocateBuffer(8 * 4096);

        lun.HoldReads();
        var reads = Enumerable.Range(0, 8).Select(i => front.ReadAsync(i * 8, buffer.Memory.Slice(i * 4096, 4096)).AsTask()).ToArray();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.ReadsInFlight == 3));
        await Task.Delay(100);
        Assert.AreEqual(3, front.InFlight);
        Assert.AreEqual(3, lun.MaxReadsInFlight);

        lun.ReleaseReads();
        await Task.WhenAll(reads).Within();
    }

    [TestMethod]
    public async Task AWaitForARingSlotCanBeCancelled()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(1 << 20);
        var (front, _) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { QueueDepth = 1 });
        using var buffer = front.AllocateBuffer(8192);
        lun.HoldReads();
        var first = front.ReadAsync(0, buffer.Memory[..4096]).AsTask();
        using var cancel = new CancellationTokenSource();

        var second = front.ReadAsync(8, buffer.Memory[4096..], cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => second.Within());
        lun.ReleaseReads();
        await first.Within();
        Assert.AreEqual(0, front.InFlight);
    }
}
