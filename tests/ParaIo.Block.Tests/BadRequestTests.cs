using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Block.Tests;

/// <summary>
/// Every malformed or unsupported request is answered ERROR or EOPNOTSUPP, with its id, counted
/// under its reason, and the device goes on serving good requests.
/// </summary>
[TestClass]
[TestCategory("hostile")]
public sealed class BadRequestTests
{
    private const long Disk = 1L << 20;
    private const ulong DiskSectors = Disk / 512;

    [TestMethod]
    [DataRow("read with no segments", BlkifStatus.Error, BlockRejection.SegmentCount)]
    [DataRow("write with twelve segments", BlkifStatus.Error, BlockRejection.SegmentCount)]
    [DataRow("flush with twelve segments", BlkifStatus.Error, BlockRejection.SegmentCount)]
    [DataRow("first sector after last", BlkifStatus.Error, BlockRejection.SegmentSectors)]
    [DataRow("last sector past the page", BlkifStatus.Error, BlockRejection.SegmentSectors)]
    [DataRow("bad sectors in a later segment", BlkifStatus.Error, BlockRejection.SegmentSectors)]
    [DataRow("start past the end", BlkifStatus.Error, BlockRejection.OutOfRange)]
    [DataRow("end past the end", BlkifStatus.Error, BlockRejection.OutOfRange)]
    [DataRow("sector number that wraps", BlkifStatus.Error, BlockRejection.OutOfRange)]
    [DataRow("write barrier", BlkifStatus.NotSupported, BlockRejection.UnknownOperation)]
    [DataRow("reserved operation", BlkifStatus.NotSupported, BlockRejection.UnknownOperation)]
    [DataRow("operation 255", BlkifStatus.NotSupported, BlockRejection.UnknownOperation)]
    [DataRow("secure discard", BlkifStatus.NotSupported, BlockRejection.SecureDiscardNotSupported)]
    [DataRow("discard past the end", BlkifStatus.Error, BlockRejection.OutOfRange)]
    [DataRow("indirect with no segments", BlkifStatus.Error, BlockRejection.IndirectSegmentCount)]
    [DataRow("indirect over the maximum", BlkifStatus.Error, BlockRejection.IndirectSegmentCount)]
    [DataRow("indirect discard", BlkifStatus.Error, BlockRejection.IndirectOperation)]
    [DataRow("indirect with a bad segment", BlkifStatus.Error, BlockRejection.SegmentSectors)]
    [DataRow("indirect past the end", BlkifStatus.Error, BlockRejection.OutOfRange)]
    public async Task ABadRequestIsAnsweredAndTheDeviceCarriesOn(string name, BlkifStatus expected, BlockRejection reason)
    {
        await using var rig = new BlockRig();
        var (raw, back) = await rig.ConnectRawAsync(rig.CreateLun(Disk));
        var (page, grant) = raw.GrantPage();
        var (indirectPage, indirectGrant) = raw.GrantPage(readOnly: true);

        var request = Build(name, grant, indirectGrant, raw.PageBytes(indirectPage));
        raw.Send(request);
        var response = raw.Receive();

        Assert.AreEqual(1000ul, response.Id);
        Assert.AreEqual(expected, response.Status, name);
        Assert.AreEqual(1, back.Counters.Rejected(reason), name);
        Assert.AreEqual(1, back.Counters.RejectedTotal);
        Assert.AreEqual(0, rig.Mapper.MappedCount - 1, "only the ring stays mapped");
        AGoodRequestStillWorks(rig, raw, back, page, grant);
    }

    [TestMethod]
    public async Task AReadOnlyDiskRefusesEveryKindOfWrite()
    {
        await using var rig = new BlockRig();
        rig.CreateLun(Disk, name: "ro.img").Dispose();
        var lun = rig.OpenLun("ro.img", new FileLunOptions { ReadOnly = true });
        var (raw, back) = await rig.ConnectRawAsync(lun);
        var (_, grant) = raw.GrantPage(readOnly: true);
        var (page, readGrant) = raw.GrantPage();
        var (indirectPage, indirectGrant) = raw.GrantPage(readOnly: true);
        var segment = new BlkifSegment(grant.Value, 0, 7);

        raw.Send(RawFrontend.Transfer(BlkifOperation.Write, 1000, 0, segment));
        raw.Send(RawFrontend.Transfer(BlkifOperation.FlushDiskCache, 1000, 0, segment));
        raw.Send(Discard(0, 8, flag: 0));
        raw.Send(Indirect(BlkifOperation.Write, 1, indirectGrant, raw.PageBytes(indirectPage), segment));
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual(BlkifStatus.Error, raw.Receive().Status);
        }

        Assert.AreEqual(4, back.Counters.Rejected(BlockRejection.ReadOnly));
        Assert.AreEqual(0, back.Counters.BytesWritten);
        AGoodRequestStillWorks(rig, raw, back, page, readGrant);
    }

    [TestMethod]
    public async Task FeaturesNotAdvertisedAreNotSupported()
    {
        await using var rig = new BlockRig();
        var (raw, back) = await rig.ConnectRawAsync(rig.CreateLun(Disk), new BlockBackendOptions { FlushCache = false, MaxIndirectSegments = 0 });
        var (page, grant) = raw.GrantPage();
        var (indirectPage, indirectGrant) = raw.GrantPage(readOnly: true);

        raw.Send(new BlkifRequest { Operation = BlkifOperation.FlushDiskCache, Id = 1000 });
        raw.Send(Indirect(BlkifOperation.Read, 1, indirectGrant, raw.PageBytes(indirectPage), new BlkifSegment(grant.Value, 0, 7)));

        Assert.AreEqual(BlkifStatus.NotSupported, raw.Receive().Status);
        var indirect = raw.Receive();
        Assert.AreEqual(BlkifStatus.NotSupported, indirect.Status);
        Assert.AreEqual(BlkifOperation.Indirect, indirect.Operation);
        Assert.AreEqual(1, back.Counters.Rejected(BlockRejection.FlushNotSupported));
        Assert.AreEqual(1, back.Counters.Rejected(BlockRejection.IndirectNotSupported));
        AGoodRequestStillWorks(rig, raw, back, page, grant);
    }

    [TestMethod]
    public async Task RewritingTheIndirectPageAfterItWasTakenChangesNothing()
    {
        // The backend copies the segments out of the indirect page once, when it takes the
        // request; a guest that rewrites the page while the read is in flight redirects nothing.
        await using var rig = new BlockRig();
        var lun = rig.CreateGatedLun(Disk);
        var (raw, back) = await rig.ConnectRawAsync(lun);
        var (page, grant) = raw.GrantPage();
        var (decoy, decoyGrant) = raw.GrantPage();
        var (indirectPage, indirectGrant) = raw.GrantPage(readOnly: true);
        lun.HoldReads();

        raw.Send(Indirect(BlkifOperation.Read, 1, indirectGrant, raw.PageBytes(indirectPage), new BlkifSegment(grant.Value, 0, 7)));
        Assert.IsTrue(await Waits.UntilAsync(() => lun.ReadsInFlight == 1));
        WriteSegments(raw.PageBytes(indirectPage), new BlkifSegment(decoyGrant.Value, 0, 7));
        raw.PageBytes(page).Fill(0xEE);
        raw.PageBytes(decoy).Fill(0xDD);
        lun.ReleaseReads();

        Assert.AreEqual(BlkifStatus.Okay, raw.Receive().Status);
        Assert.IsTrue(raw.PageBytes(page).IndexOfAnyExcept((byte)0) < 0, "the read landed in the page validated at submission (the image is zeros)");
        Assert.IsTrue(raw.PageBytes(decoy).IndexOfAnyExcept((byte)0xDD) < 0, "the decoy page was not touched");
        Assert.AreEqual(1, back.Counters.Indirect);
    }

    private static void AGoodRequestStillWorks(BlockRig rig, RawFrontend raw, BlockBackendDevice back, int page, GrantRef grant)
    {
        raw.PageBytes(page).Fill(0xAB);
        raw.Send(RawFrontend.Transfer(BlkifOperation.Read, 2000, 8, new BlkifSegment(grant.Value, 0, 7)));
        var response = raw.Receive();
        Assert.AreEqual(2000ul, response.Id);
        Assert.AreEqual(BlkifStatus.Okay, response.Status);
        Assert.AreEqual(BlkifOperation.Read, response.Operation);
        Assert.IsFalse(back.Stopped.IsCompleted, "a bad request must not stop the device");
        Assert.IsNull(back.FailureReason);
        Assert.AreEqual(1, rig.Mapper.MappedCount, "the data page was unmapped after the read");
        Assert.IsTrue(raw.PageBytes(page).IndexOfAnyExcept((byte)0) < 0, "the read filled the page from the (empty) image");
    }

    private static BlkifRequest Build(string name, GrantRef grant, GrantRef indirectGrant, Span<byte> indirectPage)
    {
        var good = new BlkifSegment(grant.Value, 0, 7);
        switch (name)
        {
            case "read with no segments":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, 0);
            case "write with twelve segments":
                {
                    var r = RawFrontend.Transfer(BlkifOperation.Write, 1000, 0, Enumerable.Repeat(good, 11).ToArray());
                    r.SegmentCount = 12;
                    return r;
                }

            case "flush with twelve segments":
                {
                    var r = RawFrontend.Transfer(BlkifOperation.FlushDiskCache, 1000, 0, Enumerable.Repeat(good, 11).ToArray());
                    r.SegmentCount = 12;
                    return r;
                }

            case "first sector after last":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, 0, new BlkifSegment(grant.Value, 5, 3));
            case "last sector past the page":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, 0, new BlkifSegment(grant.Value, 0, 8));
            case "bad sectors in a later segment":
                return RawFrontend.Transfer(BlkifOperation.Write, 1000, 0, good, good, new BlkifSegment(grant.Value, 7, 255));
            case "start past the end":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, DiskSectors, new BlkifSegment(grant.Value, 0, 0));
            case "end past the end":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, DiskSectors - 4, good);
            case "sector number that wraps":
                return RawFrontend.Transfer(BlkifOperation.Read, 1000, ulong.MaxValue - 2, good);
            case "write barrier":
                return RawFrontend.Transfer(BlkifOperation.WriteBarrier, 1000, 0, good);
            case "reserved operation":
                return RawFrontend.Transfer(BlkifOperation.Reserved1, 1000, 0, good);
            case "operation 255":
                return RawFrontend.Transfer((BlkifOperation)255, 1000, 0, good);
            case "secure discard":
                return Discard(0, 8, BlkifProtocol.DiscardSecure);
            case "discard past the end":
                return Discard(DiskSectors - 1, 2, 0);
            case "indirect with no segments":
                return Indirect(BlkifOperation.Read, 0, indirectGrant, indirectPage);
            case "indirect over the maximum":
                return Indirect(BlkifOperation.Read, 257, indirectGrant, indirectPage, good);
            case "indirect discard":
                return Indirect(BlkifOperation.Discard, 1, indirectGrant, indirectPage, good);
            case "indirect with a bad segment":
                return Indirect(BlkifOperation.Read, 13, indirectGrant, indirectPage, [.. Enumerable.Repeat(good, 12), new BlkifSegment(grant.Value, 0, 9)]);
            case "indirect past the end":
                {
                    var r = Indirect(BlkifOperation.Read, 20, indirectGrant, indirectPage, [.. Enumerable.Repeat(good, 20)]);
                    BlkifProtocol.AsIndirect(ref r).SectorNumber = DiskSectors - 8;
                    return r;
                }

            default:
                throw new ArgumentException(name);
        }
    }

    internal static BlkifRequest Discard(ulong sector, ulong sectors, byte flag)
    {
        var request = default(BlkifRequest);
        ref var discard = ref BlkifProtocol.AsDiscard(ref request);
        discard.Operation = BlkifOperation.Discard;
        discard.Id = 1000;
        discard.Flag = flag;
        discard.SectorNumber = sector;
        discard.SectorCount = sectors;
        return request;
    }

    internal static BlkifRequest Indirect(BlkifOperation operation, ushort count, GrantRef page, Span<byte> pageBytes, params BlkifSegment[] segments)
    {
        WriteSegments(pageBytes, segments);
        var request = default(BlkifRequest);
        ref var indirect = ref BlkifProtocol.AsIndirect(ref request);
        indirect.Operation = BlkifOperation.Indirect;
        indirect.IndirectOperation = operation;
        indirect.SegmentCount = count;
        indirect.Id = 1000;
        indirect.IndirectGrefs[0] = page.Value;
        return request;
    }

    internal static void WriteSegments(Span<byte> page, params BlkifSegment[] segments) =>
        segments.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, BlkifSegment>(page));
}
