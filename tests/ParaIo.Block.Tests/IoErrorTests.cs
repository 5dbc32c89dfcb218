using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Frontend.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// Errors and their absence: a LUN that fails (a full disk, a failed SAN) gives the guest errors
/// and the operator a log line, not one a request; a guest whose grant table is momentarily full
/// gets no error at all.
/// </summary>
[TestClass]
public sealed class IoErrorTests
{
    [TestMethod]
    public async Task FailedWritesAnswerErrorAndAreLoggedOnceAnIntervalWithTheReason()
    {
        await using var rig = new BlockRig();
        var logger = new FakeLogger();
        rig.BackendLogger = logger;
        var lun = new GatedLun(rig.CreateLun(1 << 20)) { WriteFailure = new IOException("No space left on device") };
        var (front, back) = await rig.ConnectAsync(lun);
        using var buffer = front.AllocateBuffer(4096);

        for (var i = 0; i < 20; i++)
        {
            var failed = await Assert.ThrowsExactlyAsync<BlockRequestException>(async () => await front.WriteAsync(i * 8L, buffer.Memory));
            Assert.AreEqual(ParaIo.Protocol.Block.BlkifStatus.Error, failed.Status);
        }

        lun.WriteFailure = null;
        await front.WriteAsync(0, buffer.Memory).Within();
        await front.ReadAsync(0, buffer.Memory).Within();

        Assert.AreEqual(20, back.Counters.IoErrors);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.HasCount(1, warnings, string.Join('\n', warnings.Select(w => w.Message)));
        StringAssert.Contains(warnings[0].Message, "Block device dom1/vbd/0: Write at byte 0 failed, answered ERROR: No space left on device (1 I/O error(s) since the last report, 1 in all)");
    }

    [TestMethod]
    public async Task TransfersWaitForRoomInAFullGrantTableInsteadOfFailing()
    {
        // Two disks share the guest's grant table (512 entries): 32 writes of 11 pages each held in
        // flight on both need 704 data grants. Without the wait, the table's TableFull failed the
        // writes it could not hold (EIO at the guest's NBD export, seen with ten busy disks).
        await using var rig = new BlockRig(poolPages: 4096, grantEntries: 512);
        const int Writes = 32;
        const int Bytes = 11 * 4096;
        var disks = new List<(GatedLun Lun, BlockFrontDevice Front)>();
        for (var devid = 0; devid < 2; devid++)
        {
            var lun = new GatedLun(rig.CreateLun(Writes * Bytes, name: $"d{devid}.img"));
            var (front, _) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { PersistentGrants = false }, devid: devid);
            disks.Add((lun, front));
        }

        var writes = new List<Task>();
        var buffers = new List<BlockBuffer>();
        foreach (var (lun, front) in disks)
        {
            for (var i = 0; i < Writes; i++)
            {
                var buffer = front.AllocateBuffer(Bytes);
                buffer.Memory.Span.Fill((byte)(i + 1));
                buffers.Add(buffer);
                lun.HoldWrite((long)i * Bytes);
                writes.Add(front.WriteAsync((long)i * Bytes / 512, buffer.Memory).AsTask());
            }
        }

        var waited = await Waits.UntilAsync(() => disks.Sum(d => d.Front.GrantTableWaits) > 0);
        var failedEarly = writes.Count(w => w.IsFaulted);
        foreach (var (lun, _) in disks)
        {
            lun.ReleaseAll();
        }

        await Task.WhenAll(writes).Within();
        Assert.IsTrue(waited, "a write found the table full and waited");
        Assert.AreEqual(0, failedEarly, "no write failed for want of grants");
        foreach (var (lun, front) in disks)
        {
            using var check = front.AllocateBuffer(Bytes);
            for (var i = 0; i < Writes; i++)
            {
                await front.ReadAsync((long)i * Bytes / 512, check.Memory).Within();
                Assert.IsTrue(check.Memory.Span.IndexOfAnyExcept((byte)(i + 1)) < 0, $"write {i} landed whole");
            }
        }

        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }
    }
}
