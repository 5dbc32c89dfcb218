using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Block.Tests;

/// <summary>
/// blkif multi-queue: the keys each end writes, data through four rings from many callers,
/// FLUSH across rings, replay of every ring after the backend dies, and a frontend lying on one
/// ring of its device.
/// </summary>
[TestClass]
public sealed class MultiQueueTests
{
    private const long Disk = 64L << 20;

    [TestMethod]
    public async Task OneQueueKeepsTheFlatKeys()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(1 << 20), frontend: new BlockFrontendOptions { Queues = 1 });

        var keys = front.PublishedKeys;
        Assert.IsFalse(keys.ContainsKey(BlockKeys.MultiQueueNumQueues));
        Assert.IsTrue(keys.ContainsKey("ring-ref") && keys.ContainsKey("event-channel") && keys.ContainsKey("event-channel-response"));
        Assert.IsFalse(keys.Keys.Any(k => k.StartsWith("queue-", StringComparison.Ordinal)));
        Assert.AreEqual(1, front.QueueCount);
        Assert.AreEqual(1, back.QueueCount);
        Assert.AreEqual("4", new BlockBackendDriver(_ => null).Features[BlockKeys.MultiQueueMaxQueues]);
    }

    [TestMethod]
    public async Task SeveralQueuesPublishTheirRingsUnderQueueN()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(1 << 20), frontend: new BlockFrontendOptions { Queues = 4, RingPageOrder = 1 });

        var keys = front.PublishedKeys;
        Assert.AreEqual("4", keys[BlockKeys.MultiQueueNumQueues]);
        Assert.AreEqual("1", keys[BlockKeys.RingPageOrder], "ring-page-order is written once, at the top");
        Assert.AreEqual("1", keys[BlockKeys.FeaturePersistent], "persistent grants serve every queue");
        foreach (var flat in new[] { "ring-ref", "ring-ref0", "event-channel", "event-channel-response", "queue-0/ring-page-order" })
        {
            Assert.IsFalse(keys.ContainsKey(flat), flat);
        }

        var refs = new HashSet<string>();
        for (var q = 0; q < 4; q++)
        {
            Assert.IsTrue(refs.Add(keys[$"queue-{q}/ring-ref0"]) && refs.Add(keys[$"queue-{q}/ring-ref1"]), "each queue has its own ring pages");
            Assert.AreEqual(front.Queues[q].Offer.RequestPort.ToString(), keys[$"queue-{q}/event-channel"]);
            Assert.AreEqual(front.Queues[q].Offer.ResponsePort.ToString(), keys[$"queue-{q}/event-channel-response"]);
        }

        Assert.AreEqual(3 + (4 * 4), keys.Count, "three keys at the top, two ring pages and two ports a queue");
        Assert.AreEqual(4, front.QueueCount);
        Assert.AreEqual(4, back.QueueCount);
        Assert.AreSame(front.Queues[0], front.Queue, "Queue is queue 0");
    }

    [TestMethod]
    public async Task TheFrontendTakesNoMoreQueuesThanTheBackendServes()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(1 << 20);
        var (capped, cappedBack) = await rig.ConnectAsync(lun, new BlockBackendOptions { MaxQueues = 2 }, new BlockFrontendOptions { Queues = 8 }, devid: 0);
        var (perCpu, _) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { Queues = 0 }, devid: 1);

        Assert.AreEqual(2, capped.QueueCount);
        Assert.AreEqual(2, cappedBack.QueueCount);
        Assert.AreEqual(Math.Min(Environment.ProcessorCount, 4), perCpu.QueueCount);
        Assert.AreEqual(1, BlockBackendInfo.Parse(new Dictionary<string, string>()).MaxQueues, "no key: one queue");
    }

    [TestMethod]
    [DataRow("multi-queue-num-queues", "5", "multi-queue-num-queues")]
    [DataRow("multi-queue-num-queues", "0", "multi-queue-num-queues")]
    [DataRow("multi-queue-num-queues", "two", "multi-queue-num-queues")]
    [DataRow("queue-3/event-channel", null, "queue-3/event-channel")]
    [DataRow("queue-1/ring-ref", null, "queue-1/ring-ref")]
    [DataRow("queue-2/event-channel-response", "70000", "queue-2/event-channel-response")]
    [DataRow("ring-page-order", "7", "ring-page-order")]
    public async Task TheBackendRefusesBadQueueKeysNamingTheKey(string key, string? value, string named)
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(1 << 20);
        var driver = new BlockBackendDriver(_ => lun);
        using var front = new BlockFrontendDriver(new BlockFrontendOptions { Queues = 4 }).ConnectBlock(new FrontendConnectContext("vbd", 0, rig.Guest, driver.DeviceKeys(lun)));
        var keys = new Dictionary<string, string>(front.PublishedKeys);
        if (value is null)
        {
            Assert.IsTrue(keys.Remove(key), key);
        }
        else
        {
            keys[key] = value;
        }

        var context = new BackendConnectContext(new DeviceAddress(BlockRig.GuestDomain, "vbd", 0), rig.Mapper, new FrontendKeys(keys), NullLogger.Instance);
        var refused = await Assert.ThrowsExactlyAsync<DeviceRejectedException>(() => driver.ConnectAsync(context, CancellationToken.None));

        StringAssert.Contains(refused.Message, $"'{named}'");
        Assert.AreEqual(0, rig.Mapper.MappedCount, "a refused device leaves none of its rings mapped");
    }

    [TestMethod]
    public async Task ManyCallersThroughFourQueuesMatchTheImage()
    {
        await using var rig = new BlockRig(poolPages: 16384);
        var lun = rig.CreateLun(Disk);
        var (front, back) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { Queues = 4 });
        Assert.AreEqual(4, front.QueueCount);
        Assert.IsTrue(front.IndirectSegments > BlkifProtocol.MaxSegmentsPerRequest, "large transfers go INDIRECT");

        // Each caller owns its own region, so the model is exact whatever the interleaving.
        const int Callers = 16;
        const long Region = Disk / Callers / 4096 * 4096;
        var sizes = new[] { 512, 4096, 8192, 11 * 4096, 12 * 4096, 100 * 4096, 256 * 4096 };
        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            var model = new byte[Region];
            using var buffer = front.AllocateBuffer(256 * 4096);
            using var check = front.AllocateBuffer(256 * 4096);
            for (var i = 0; i < 12; i++)
            {
                var bytes = sizes[random.Next(sizes.Length)];
                var offset = random.NextInt64((Region - bytes) / 512) * 512;
                var sector = ((c * Region) + offset) / 512;
                random.NextBytes(buffer.Memory.Span[..bytes]);
                await front.WriteAsync(sector, buffer.Memory[..bytes]);
                buffer.Memory.Span[..bytes].CopyTo(model.AsSpan((int)offset));
                await front.ReadAsync(sector, check.Memory[..bytes]);
                Assert.IsTrue(check.Memory.Span[..bytes].SequenceEqual(buffer.Memory.Span[..bytes]), $"caller {c}: read back what it wrote");
            }

            return model;
        })).ToArray();
        var models = await Task.WhenAll(callers).Within();

        for (var c = 0; c < Callers; c++)
        {
            CollectionAssert.AreEqual(models[c], Native.ReadImage(lun.Path, c * Region, (int)Region), $"caller {c}'s region");
        }

        for (var q = 0; q < 4; q++)
        {
            Assert.IsTrue(front.SentOn(q) >= 10, $"queue {q} carried requests ({front.SentOn(q)})");
            Assert.AreEqual((uint)front.SentOn(q), back.RequestConsumerOf(q), $"queue {q}'s ring thread took what was sent on it");
        }

        Assert.IsTrue(back.Counters.Indirect > 0);
        Assert.AreEqual(0, back.Counters.RejectedTotal + back.Counters.IoErrors);
        Assert.AreEqual(0, front.InFlight);
        Assert.AreEqual(0, front.StrayResponses);
    }

    /// <summary>
    /// A FLUSH covers writes acknowledged on any queue (they completed in the LUN before it arrived)
    /// and the writes in flight on its own queue; a write still in flight on another queue is not
    /// waited for. The held write proves the instrument: the same check sees a FLUSH wait when it
    /// shares that write's queue.
    /// </summary>
    [TestMethod]
    public async Task AFlushCoversWritesAcknowledgedOnEveryQueue()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (front, back) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { Queues = 4 });
        using var buffer = front.AllocateBuffer(4 * 4096);

        // Acknowledged writes on three different queues.
        var acknowledgedOn = new HashSet<int>();
        for (var i = 0; i < 3; i++)
        {
            var queue = await OnWhichQueueAsync(front, () => front.WriteAsync(i * 8, buffer.Memory.Slice(i * 4096, 4096)).AsTask(), wait: true);
            acknowledgedOn.Add(queue);
        }

        Assert.AreEqual(3, acknowledgedOn.Count, "the writes went to three queues");

        // A write held in flight, then a flush on another queue.
        lun.HoldWrite(100 * 512);
        Task held = null!;
        var heldOn = await OnWhichQueueAsync(front, () => held = front.WriteAsync(100, buffer.Memory[..4096]).AsTask(), wait: false);
        Assert.IsTrue(await Waits.UntilAsync(() => lun.Logged("write-start 51200")));
        Task flush = null!;
        var flushOn = await OnWhichQueueAsync(front, () => flush = front.FlushAsync().AsTask(), wait: false);
        Assert.AreNotEqual(heldOn, flushOn);
        await flush.Within();

        var log = lun.Log.ToList();
        var flushStart = log.IndexOf("flush-start");
        for (var i = 0; i < 3; i++)
        {
            var done = log.IndexOf($"write-done {i * 8 * 512}");
            Assert.IsTrue(done >= 0 && done < flushStart, $"write {i}, acknowledged on queue {acknowledgedOn.ElementAt(i)}, was in the LUN before the fsync");
        }

        Assert.IsFalse(held.IsCompleted, "the write in flight on another queue is still held");

        // Control: a flush on the held write's own queue waits for it.
        Task sameQueueFlush = null!;
        for (var tries = 0; tries < 8; tries++)
        {
            Task candidate = null!;
            var on = await OnWhichQueueAsync(front, () => candidate = front.FlushAsync().AsTask(), wait: false);
            if (on == heldOn)
            {
                sameQueueFlush = candidate;
                break;
            }

            await candidate.Within();
        }

        Assert.IsNotNull(sameQueueFlush, "round robin reached the held write's queue");
        await Task.Delay(150);
        Assert.IsFalse(sameQueueFlush.IsCompleted, "a flush on the held write's queue waits for it");
        lun.ReleaseWrite(100 * 512);
        await Task.WhenAll(held, sameQueueFlush).Within();
        Assert.IsTrue(lun.IndexOf("write-done 51200") < lun.Log.ToList().LastIndexOf("flush-start"));
        Assert.AreEqual(0, back.Counters.IoErrors);
    }

    [TestMethod]
    public async Task EveryQueueReplaysAfterTheBackendDiesWithoutAnswering()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(Disk);
        var preload = DataIntegrityTests.Pattern(2 << 20, 42);
        await ((ILun)lun).WriteAsync(0, preload);
        var driver = new BlockBackendDriver(_ => lun);
        var front = rig.ConnectFrontend(driver, lun, new BlockFrontendOptions { Queues = 4 });
        Assert.AreEqual(4, front.QueueCount);

        // The first backend takes every request on every ring, maps a data page as a real one would,
        // and dies without answering or unmapping (its own mapper, abandoned).
        var doomedMapper = new GrantMapper(rig.BackendPool, localDomain: 0, guestDomain: BlockRig.GuestDomain);
        var doomed = front.Queues.Select(q => BackQueue<BlkifRequest, BlkifResponse>.Connect(doomedMapper, q.Offer)).ToArray();

        var reads = Enumerable.Range(0, 8).Select(i => (Sector: i * 512L, Bytes: i % 3 == 0 ? 100 * 4096 : 4096 * (i + 1))).ToArray();
        var writes = Enumerable.Range(0, 8).Select(i => (Sector: 8192 + (i * 512L), Bytes: i % 2 == 0 ? 40 * 4096 : 4096, Seed: i + 1)).ToArray();
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
        Assert.IsTrue(await Waits.UntilAsync(() => doomed.Sum(d => d.Ring.UnconsumedRequests) == sent), "the doomed backend sees every request");
        foreach (var queue in doomed)
        {
            Assert.IsTrue(queue.Ring.UnconsumedRequests > 0, "every queue has requests in flight");
            var taken = 0;
            while (queue.Ring.TryConsumeRequest(out var request))
            {
                if (taken++ == 0 && request.Operation == BlkifOperation.Read)
                {
                    doomedMapper.Map(new GrantRef(request.Segments[0].Gref), GrantAccess.Write);
                }
            }
        }

        await Task.Delay(100);
        Assert.IsTrue(tasks.All(t => !t.IsCompleted), "nothing was answered");

        var old = front.Queues;
        ((IResumableFrontendDevice)front).Resume(new FrontendConnectContext("vbd", 0, rig.Guest, driver.DeviceKeys(lun)));
        Assert.AreEqual(4, front.QueueCount);
        Assert.IsTrue(front.Queues.All(q => !old.Contains(q)), "every queue moved to a new ring");
        Assert.AreEqual("4", front.PublishedKeys[BlockKeys.MultiQueueNumQueues]);
        var back = await rig.ConnectBackendAsync(driver, front.PublishedKeys);
        await Task.WhenAll(tasks).Within();

        CollectionAssert.AreEqual(Enumerable.Repeat(1, completions.Length).ToArray(), completions, "each operation completed exactly once");
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
        Assert.ThrowsExactly<InvalidOperationException>(() => front.ReplayPending(rig.Guest.CreateQueue<BlkifRequest, BlkifResponse>(0, 0)), "a multi-queue device replays all its queues at once");
        foreach (var buffer in readBuffers.Concat(writeBuffers))
        {
            buffer.Dispose();
        }
    }

    [TestMethod]
    public async Task ResumeRefusesABackendWithFewerQueues()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(1 << 20);
        var front = rig.ConnectFrontend(new BlockBackendDriver(_ => lun), lun, new BlockFrontendOptions { Queues = 4 });
        var smaller = new BlockBackendDriver(_ => lun, new BlockBackendOptions { MaxQueues = 2 });

        var refused = Assert.ThrowsExactly<InvalidDataException>(() => front.Resume(new FrontendConnectContext("vbd", 0, rig.Guest, smaller.DeviceKeys(lun))));

        StringAssert.Contains(refused.Message, "2 queue");
        Assert.AreEqual(4, front.QueueCount);
    }

    [TestMethod]
    [TestCategory("hostile")]
    public async Task AnUngrantedPageOnOneQueueStopsTheWholeDeviceOnly()
    {
        await using var rig = new BlockRig();
        var (victim, victimBack) = await ConnectRawQueuesAsync(rig, rig.CreateLun(1 << 20, name: "a.img"), 4, devid: 0);
        var (bystander, bystanderBack) = await rig.ConnectRawAsync(rig.CreateLun(1 << 20, name: "b.img"), devid: 1);
        var (_, grant) = victim[0].GrantPage();
        var (_, bystanderGrant) = bystander.GrantPage();

        // Queue 0 works; queue 2 names a grant that does not exist.
        victim[0].Send(RawFrontend.Transfer(BlkifOperation.Read, 1, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.AreEqual(BlkifStatus.Okay, victim[0].Receive().Status);
        victim[2].Send(RawFrontend.Transfer(BlkifOperation.Read, 2, 0, new BlkifSegment(3999, 0, 7)));

        await victimBack.Stopped.Within();
        StringAssert.Contains(victimBack.FailureReason, "grant 3999");
        Assert.IsTrue(victim[2].Silent(50), "a fatal request is not answered");
        victim[1].Send(RawFrontend.Transfer(BlkifOperation.Read, 3, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.IsTrue(victim[1].Silent(100), "the device's other queues stopped too");

        bystander.Send(RawFrontend.Transfer(BlkifOperation.Read, 4, 0, new BlkifSegment(bystanderGrant.Value, 0, 7)));
        Assert.AreEqual(BlkifStatus.Okay, bystander.Receive().Status);
        Assert.IsFalse(bystanderBack.Stopped.IsCompleted);
    }

    [TestMethod]
    [TestCategory("hostile")]
    public async Task ALyingRingIndexOnOneQueueFaultsOnlyThatDevice()
    {
        await using var rig = new BlockRig();
        var (victim, victimBack) = await ConnectRawQueuesAsync(rig, rig.CreateLun(1 << 20, name: "a.img"), 3, devid: 0);
        var (bystander, bystanderBack) = await ConnectRawQueuesAsync(rig, rig.CreateLun(1 << 20, name: "b.img"), 2, devid: 1);
        var (_, grant) = bystander[1].GrantPage();

        // Queue 1 claims far more requests than its ring holds.
        var ring = victim[1].Queue;
        var shared = rig.Guest.Pool.GetPages(ring.Ring.FirstPage, 1);
        MemoryMarshal.AsRef<uint>(shared[RingLayout.RequestProducerOffset..]) = ring.Ring.Size * 3;
        ring.Requests.Notify();

        await victimBack.Stopped.Within();
        Assert.IsNotNull(victimBack.FailureReason);
        Assert.IsFalse(bystanderBack.Stopped.IsCompleted);
        bystander[1].Send(RawFrontend.Transfer(BlkifOperation.Read, 9, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.AreEqual(BlkifStatus.Okay, bystander[1].Receive().Status);
        await victimBack.DisposeAsync();
        Assert.AreEqual(2, rig.Mapper.MappedCount, "the stopped device unmapped its rings; only the bystander's two remain");
    }

    /// <summary>A raw frontend a queue, published as one multi-queue device.</summary>
    private static async Task<(RawFrontend[] Queues, BlockBackendDevice Back)> ConnectRawQueuesAsync(BlockRig rig, ILun lun, int count, int devid)
    {
        var queues = Enumerable.Range(0, count).Select(_ => new RawFrontend(rig.Guest)).ToArray();
        var keys = new Dictionary<string, string> { [BlockKeys.MultiQueueNumQueues] = count.ToString() };
        for (var q = 0; q < count; q++)
        {
            foreach (var (key, value) in queues[q].Keys)
            {
                keys[$"queue-{q}/{key}"] = value;
            }
        }

        var back = await rig.ConnectBackendAsync(new BlockBackendDriver(_ => lun), keys, devid);
        return (queues, back);
    }

    /// <summary>Runs <paramref name="start"/> and finds the queue its one ring request went to.</summary>
    private static async Task<int> OnWhichQueueAsync(BlockFrontDevice front, Func<Task> start, bool wait)
    {
        var before = Enumerable.Range(0, front.QueueCount).Select(front.SentOn).ToArray();
        var task = start();
        if (wait)
        {
            await task.Within();
        }

        var changed = Enumerable.Range(0, front.QueueCount).Where(q => front.SentOn(q) != before[q]).ToArray();
        Assert.HasCount(1, changed, "one request, on one queue");
        return changed[0];
    }

    private static async Task Count(ValueTask operation, int[] completions, int index)
    {
        await operation;
        Interlocked.Increment(ref completions[index]);
    }
}
