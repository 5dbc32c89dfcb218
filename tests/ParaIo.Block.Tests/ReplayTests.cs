using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Frontend.Block;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Block.Tests;

/// <summary>
/// Requests in flight when the backend goes away are sent again on a new queue to a new backend
/// (<see cref="BlockFrontDevice.ReplayPending"/>), and each caller's operation completes exactly
/// once with the right data.
/// </summary>
[TestClass]
public sealed class ReplayTests
{
    private const long Disk = 16L << 20;

    [TestMethod]
    public async Task UnansweredRequestsCompleteOnceAfterANewBackendConnects()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(Disk);
        var preload = DataIntegrityTests.Pattern(1 << 20, 42);
        await ((ILun)lun).WriteAsync(0, preload);
        var driver = new BlockBackendDriver(_ => lun);
        var front = rig.ConnectFrontend(driver, lun);

        // The first backend takes every request, maps a data page as a real one would, and dies
        // without answering or unmapping anything (its own mapper, abandoned).
        var doomedMapper = new GrantMapper(rig.BackendPool, localDomain: 0, guestDomain: BlockRig.GuestDomain);
        var doomed = BackQueue<BlkifRequest, BlkifResponse>.Connect(doomedMapper, front.Queue.Offer);

        var reads = new[] { (Sector: 0L, Bytes: 8192), (Sector: 64L, Bytes: 4096), (Sector: 1000L, Bytes: 100 * 4096) }; // the last one is indirect
        var writes = new[] { (Sector: 4096L, Bytes: 4096, Seed: 1), (Sector: 5000L, Bytes: 25 * 4096, Seed: 2) };
        var readBuffers = reads.Select(r => front.AllocateBuffer(r.Bytes)).ToArray();
        var writeBuffers = writes.Select(w => front.AllocateBuffer(w.Bytes)).ToArray();
        for (var i = 0; i < writes.Length; i++)
        {
            DataIntegrityTests.Pattern(writes[i].Bytes, writes[i].Seed).CopyTo(writeBuffers[i].Memory.Span);
        }

        var completions = new int[reads.Length + writes.Length];
        var tasks = reads.Select((r, i) => Count(front.ReadAsync(r.Sector, readBuffers[i].Memory), completions, i))
            .Concat(writes.Select((w, i) => Count(front.WriteAsync(w.Sector, writeBuffers[i].Memory), completions, reads.Length + i)))
            .ToArray();

        var sent = front.InFlight;
        Assert.IsTrue(await Waits.UntilAsync(() => doomed.Ring.UnconsumedRequests == sent), "the doomed backend sees every request");
        var taken = 0;
        while (doomed.Ring.TryConsumeRequest(out var request))
        {
            if (taken++ == 0)
            {
                doomedMapper.Map(new GrantRef(request.Segments[0].Gref), GrantAccess.Write);
            }
        }

        await Task.Delay(100);
        Assert.IsTrue(tasks.All(t => !t.IsCompleted), "nothing was answered");

        var replacement = rig.Guest.CreateQueue<BlkifRequest, BlkifResponse>(backendDomain: 0, pageOrder: 0);
        var retired = front.ReplayPending(replacement);
        Assert.AreSame(replacement, front.Queue);
        var back = await rig.ConnectBackendAsync(driver, front.PublishedKeys);
        await Task.WhenAll(tasks).Within();

        CollectionAssert.AreEqual(Enumerable.Repeat(1, completions.Length).ToArray(), completions);
        for (var i = 0; i < reads.Length; i++)
        {
            Assert.IsTrue(readBuffers[i].Memory.Span.SequenceEqual(preload.AsSpan((int)reads[i].Sector * 512, reads[i].Bytes)), $"read {i}");
        }

        for (var i = 0; i < writes.Length; i++)
        {
            CollectionAssert.AreEqual(DataIntegrityTests.Pattern(writes[i].Bytes, writes[i].Seed), Native.ReadImage(lun.Path, writes[i].Sector * 512, writes[i].Bytes), $"write {i}");
        }

        Assert.AreEqual(sent, back.Counters.Reads + back.Counters.Writes, "each unanswered request was served once by the new backend");
        Assert.AreEqual(0, front.InFlight);
        Assert.AreEqual(0, front.StrayResponses);
        // The dead backend still holds the old ring's busy bits: that queue cannot be ended yet.
        Assert.ThrowsExactly<GrantAccessException>(retired.Dispose);
        foreach (var buffer in readBuffers.Concat(writeBuffers))
        {
            buffer.Dispose();
        }
    }

    [TestMethod]
    public async Task ResponsesTheOldBackendPublishedAreNotReplayed()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(Disk);
        var driver = new BlockBackendDriver(_ => lun);
        var front = rig.ConnectFrontend(driver, lun);
        var old = BackQueue<BlkifRequest, BlkifResponse>.Connect(rig.Mapper, front.Queue.Offer);
        using var buffer = front.AllocateBuffer(4096);

        var flush = front.FlushAsync().AsTask();
        var read = front.ReadAsync(0, buffer.Memory).AsTask();
        Assert.IsTrue(await Waits.UntilAsync(() => old.Ring.UnconsumedRequests == 2));
        Assert.IsTrue(old.Ring.TryConsumeRequest(out var first));
        Assert.AreEqual(BlkifOperation.FlushDiskCache, first.Operation);
        // Answer the flush and publish it without a notify, then go away.
        old.Ring.WriteResponse(new BlkifResponse { Id = first.Id, Operation = first.Operation, Status = BlkifStatus.Okay });
        old.Ring.PushResponses();
        old.Dispose();

        var retired = front.ReplayPending(rig.Guest.CreateQueue<BlkifRequest, BlkifResponse>(0, 0));
        var back = await rig.ConnectBackendAsync(driver, front.PublishedKeys);
        await Task.WhenAll(flush, read).Within();

        Assert.AreEqual(0, back.Counters.Flushes, "the flush was answered by the old backend");
        Assert.AreEqual(1, back.Counters.Reads);
        retired.Dispose(); // the old backend unmapped its ring
    }

    [TestMethod]
    public async Task DisposingFailsRequestsStillInFlight()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(Disk);
        var front = rig.ConnectFrontend(new BlockBackendDriver(_ => lun), lun);
        var silent = BackQueue<BlkifRequest, BlkifResponse>.Connect(rig.Mapper, front.Queue.Offer);
        using var buffer = front.AllocateBuffer(4096);
        var read = front.ReadAsync(0, buffer.Memory).AsTask();

        silent.Dispose();
        front.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => read.Within());
        Assert.ThrowsExactly<ObjectDisposedException>(() => front.ReadAsync(0, buffer.Memory).AsTask());
    }

    private static async Task Count(ValueTask operation, int[] completions, int index)
    {
        await operation;
        Interlocked.Increment(ref completions[index]);
    }
}
