using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Frontend.Block;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Block.Tests;

/// <summary>
/// <c>feature-persistent</c>: a page is granted and mapped once and reused by every later request,
/// the backend keeps up to its budget and the frontend keeps exactly what the backend kept, either
/// end can decline, closing ends every kept grant,
/// and a frontend that promised writable grants and hands a read-only one is disconnected.
/// </summary>
[TestClass]
public sealed class PersistentGrantTests
{
    private const long Disk = 4L << 20;
    private const int Pages = 16;

    [TestMethod]
    public async Task EachPageIsGrantedAndMappedOnceAcrossRequests()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));
        var freeAfterConnect = rig.Guest.Grants.FreeCount;
        var ringMappings = rig.Mapper.MappedCount;
        using var buffer = front.AllocateBuffer(8 * PoolLayout.PageSize);

        for (var round = 0; round < 10; round++)
        {
            await RoundTripAsync(rig, front, buffer, seed: round);
        }

        Assert.IsTrue(front.PersistentGrants && back.PersistentGrants, "both ends negotiated feature-persistent");
        Assert.AreEqual(8, front.PersistentGrantCount, "each page granted once, not once a request");
        Assert.AreEqual(8, back.KeptGrants, "each page mapped once");
        Assert.AreEqual(ringMappings + 8, rig.Mapper.MappedCount, "between requests only the kept pages stay mapped");
        Assert.AreEqual(freeAfterConnect - 8, rig.Guest.Grants.FreeCount, "no grant is left over from any request");
    }

    [TestMethod]
    public async Task AFrontendThatDeclinesGrantsEveryPagePerRequest()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk), frontend: new BlockFrontendOptions { PersistentGrants = false });
        var freeAfterConnect = rig.Guest.Grants.FreeCount;
        var ringMappings = rig.Mapper.MappedCount;
        using var buffer = front.AllocateBuffer(Pages * PoolLayout.PageSize);

        await RoundTripAsync(rig, front, buffer, seed: 1);

        Assert.AreEqual("0", front.PublishedKeys[BlockKeys.FeaturePersistent]);
        Assert.IsFalse(back.PersistentGrants, "the backend keeps nothing for a frontend that did not ask");
        Assert.AreEqual(0, back.KeptGrants);
        Assert.AreEqual(ringMappings, rig.Mapper.MappedCount);
        Assert.AreEqual(freeAfterConnect, rig.Guest.Grants.FreeCount);
    }

    [TestMethod]
    public async Task BeyondTheBackendsBudgetGrantsAreMappedPerRequest()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk), new BlockBackendOptions { MaxPersistentGrants = 2 });
        var freeAfterConnect = rig.Guest.Grants.FreeCount;
        var ringMappings = rig.Mapper.MappedCount;
        using var buffer = front.AllocateBuffer(Pages * PoolLayout.PageSize);

        await RoundTripAsync(rig, front, buffer, seed: 3);
        await RoundTripAsync(rig, front, buffer, seed: 4);

        Assert.AreEqual(2, back.KeptGrants);
        Assert.AreEqual(2, front.PersistentGrantCount, "the frontend keeps exactly the grants the backend kept");
        Assert.AreEqual(ringMappings + 2, rig.Mapper.MappedCount, "pages past the backend's budget were unmapped after their request");
        Assert.AreEqual(freeAfterConnect - 2, rig.Guest.Grants.FreeCount, "and their grants were ended");
    }

    [TestMethod]
    public async Task WithoutTheFeatureEveryGrantEndsWithItsRequest()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk), new BlockBackendOptions { MaxPersistentGrants = 0 });
        var freeAfterConnect = rig.Guest.Grants.FreeCount;
        var ringMappings = rig.Mapper.MappedCount;
        using var buffer = front.AllocateBuffer(Pages * PoolLayout.PageSize);

        await RoundTripAsync(rig, front, buffer, seed: 5);

        Assert.IsFalse(front.PersistentGrants || back.PersistentGrants);
        Assert.AreEqual("0", front.PublishedKeys[BlockKeys.FeaturePersistent], "the backend did not offer it");
        Assert.AreEqual(freeAfterConnect, rig.Guest.Grants.FreeCount);
        Assert.AreEqual(ringMappings, rig.Mapper.MappedCount);
    }

    [TestMethod]
    public async Task ClosingUnmapsAndEndsEveryKeptGrant()
    {
        await using var rig = new BlockRig();
        var freeBefore = rig.Guest.Grants.FreeCount;
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(Disk));
        using (var buffer = front.AllocateBuffer(Pages * PoolLayout.PageSize))
        {
            await RoundTripAsync(rig, front, buffer, seed: 6);
        }

        Assert.AreEqual(Pages, back.KeptGrants);
        await back.DisposeAsync().AsTask().Within();
        Assert.AreEqual(0, rig.Mapper.MappedCount, "the backend let go of every kept page and the ring");
        front.Dispose();
        Assert.AreEqual(freeBefore, rig.Guest.Grants.FreeCount, "every persistent grant was ended");
    }

    [TestMethod]
    [TestCategory("hostile")]
    public async Task AReadOnlyGrantAfterPromisingWritableOnesStopsTheDevice()
    {
        await using var rig = new BlockRig();
        var (raw, back) = await rig.ConnectRawAsync(rig.CreateLun(Disk), persistent: true);
        var (_, writable) = raw.GrantPage();
        var (_, readOnly) = raw.GrantPage(readOnly: true);

        raw.Send(RawFrontend.Transfer(BlkifOperation.Write, 1, 0, new BlkifSegment(writable.Value, 0, 7)));
        Assert.AreEqual(BlkifStatus.Okay, raw.Receive().Status, "a writable grant is kept and served");
        raw.Send(RawFrontend.Transfer(BlkifOperation.Write, 2, 8, new BlkifSegment(readOnly.Value, 0, 7)));

        await back.Stopped.Within();
        StringAssert.Contains(back.FailureReason, "persistent grants are writable");
        StringAssert.Contains(back.FailureReason, "read-only");
        Assert.IsTrue(raw.Silent(100), "a fatal request is not answered");
    }

    /// <summary>Writes a pattern from <paramref name="buffer"/>, reads it back into the same pages, and checks both the pages and the image.</summary>
    private static async Task RoundTripAsync(BlockRig rig, BlockFrontDevice front, BlockBuffer buffer, int seed)
    {
        var pattern = DataIntegrityTests.Pattern(buffer.Length, seed);
        pattern.CopyTo(buffer.Memory.Span);
        var sector = seed * 64L;

        await front.WriteAsync(sector, buffer.Memory).Within();
        buffer.Memory.Span.Clear();
        await front.ReadAsync(sector, buffer.Memory).Within();

        Assert.IsTrue(buffer.Memory.Span.SequenceEqual(pattern), "read back what was written");
        Assert.IsTrue(Native.ReadImage(rig.PathOf("disk.img"), sector * 512, buffer.Length).AsSpan().SequenceEqual(pattern), "the image holds what was written");
    }
}
