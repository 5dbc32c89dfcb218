using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Protocol.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// A request whose grants cannot be mapped is a protocol violation: that device stops with a
/// reason (stricter than Linux's blkback, which answers ERROR); other devices of the guest go on.
/// </summary>
[TestClass]
[TestCategory("hostile")]
public sealed class FatalViolationTests
{
    private const long Disk = 1L << 20;

    [TestMethod]
    public async Task AnUngrantedDataPageStopsOnlyThatDevice()
    {
        await using var rig = new BlockRig();
        var (victim, victimBack) = await rig.ConnectRawAsync(rig.CreateLun(Disk, name: "a.img"), devid: 0);
        var (bystander, bystanderBack) = await rig.ConnectRawAsync(rig.CreateLun(Disk, name: "b.img"), devid: 1);
        var (_, grant) = bystander.GrantPage();

        victim.Send(RawFrontend.Transfer(BlkifOperation.Read, 1, 0, new BlkifSegment(3999, 0, 7)));

        await victimBack.Stopped.Within();
        StringAssert.Contains(victimBack.FailureReason, "protocol violation");
        StringAssert.Contains(victimBack.FailureReason, "grant 3999");
        Assert.IsTrue(victim.Silent(100), "a fatal request is not answered");

        bystander.Send(RawFrontend.Transfer(BlkifOperation.Read, 2, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.AreEqual(BlkifStatus.Okay, bystander.Receive().Status);
        Assert.IsFalse(bystanderBack.Stopped.IsCompleted);
    }

    [TestMethod]
    public async Task AReadIntoAReadOnlyGrantStopsTheDevice()
    {
        await using var rig = new BlockRig();
        var (raw, back) = await rig.ConnectRawAsync(rig.CreateLun(Disk));
        var (_, grant) = raw.GrantPage(readOnly: true);

        raw.Send(RawFrontend.Transfer(BlkifOperation.Read, 1, 0, new BlkifSegment(grant.Value, 0, 7)));

        await back.Stopped.Within();
        StringAssert.Contains(back.FailureReason, "read-only");
    }

    [TestMethod]
    public async Task AnUnmappableIndirectPageStopsTheDevice()
    {
        await using var rig = new BlockRig();
        var (raw, back) = await rig.ConnectRawAsync(rig.CreateLun(Disk), new ParaIo.Backend.Block.BlockBackendOptions { MaxIndirectSegments = 1024 });
        var (_, grant) = raw.GrantPage();
        var (first, firstGrant) = raw.GrantPage(readOnly: true);
        BadRequestTests.WriteSegments(raw.PageBytes(first), [.. Enumerable.Repeat(new BlkifSegment(grant.Value, 0, 7), 512)]);

        // 600 segments take two indirect pages; the second names a grant that does not exist.
        raw.Send(TwoPageIndirectRead(firstGrant.Value, secondGrant: 4000));

        await back.Stopped.Within();
        StringAssert.Contains(back.FailureReason, "indirect page 1");
        Assert.AreEqual(1, rig.Mapper.MappedCount, "the first indirect page was unmapped again; only the ring stays");
    }

    [TestMethod]
    public async Task RequestsTakenBeforeTheViolationAreStillAnswered()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (raw, back) = await rig.ConnectRawAsync(lun);
        var (_, grant) = raw.GrantPage();
        lun.HoldReads();

        raw.Send(RawFrontend.Transfer(BlkifOperation.Read, 1, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.IsTrue(await Waits.UntilAsync(() => lun.ReadsInFlight == 1));
        raw.Send(RawFrontend.Transfer(BlkifOperation.Read, 2, 0, new BlkifSegment(3999, 0, 7)));
        raw.Send(RawFrontend.Transfer(BlkifOperation.Read, 3, 0, new BlkifSegment(grant.Value, 0, 7)));
        Assert.IsTrue(await Waits.UntilAsync(() => back.FailureReason is not null));
        Assert.IsFalse(back.Stopped.IsCompleted, "the device stops only after answering what it took");

        lun.ReleaseReads();
        var answer = raw.Receive();
        await back.Stopped.Within();

        Assert.AreEqual(1ul, answer.Id);
        Assert.AreEqual(BlkifStatus.Okay, answer.Status);
        Assert.IsTrue(raw.Silent(100), "neither the bad request nor the one after it is answered");
        Assert.AreEqual(2u, back.RequestConsumer, "the request after the violation was never taken");
        Assert.AreEqual(1, rig.Mapper.MappedCount, "only the ring stays mapped");
    }

    private static BlkifRequest TwoPageIndirectRead(uint firstGrant, uint secondGrant)
    {
        var request = default(BlkifRequest);
        ref var indirect = ref BlkifProtocol.AsIndirect(ref request);
        indirect.Operation = BlkifOperation.Indirect;
        indirect.IndirectOperation = BlkifOperation.Read;
        indirect.SegmentCount = 600;
        indirect.Id = 1;
        indirect.IndirectGrefs[0] = firstGrant;
        indirect.IndirectGrefs[1] = secondGrant;
        return request;
    }
}
