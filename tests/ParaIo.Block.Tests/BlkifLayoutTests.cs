using System.Runtime.CompilerServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Block.Tests;

/// <summary>The blkif structs have Xen's x86_64 sizes and field offsets (io/blkif.h), and the constants its values.</summary>
[TestClass]
public sealed class BlkifLayoutTests
{
    [TestMethod]
    public void SizesAreXens()
    {
        Assert.AreEqual(8, Unsafe.SizeOf<BlkifSegment>());
        Assert.AreEqual(112, Unsafe.SizeOf<BlkifRequest>());
        Assert.AreEqual(32, Unsafe.SizeOf<BlkifDiscardRequest>());
        Assert.AreEqual(64, Unsafe.SizeOf<BlkifIndirectRequest>());
        Assert.AreEqual(16, Unsafe.SizeOf<BlkifResponse>());
        Assert.AreEqual(BlkifProtocol.RequestSize, Unsafe.SizeOf<BlkifRequest>());
    }

    [TestMethod]
    public void SegmentOffsets()
    {
        var s = default(BlkifSegment);
        Assert.AreEqual(0, Offset(ref s, ref s.Gref));
        Assert.AreEqual(4, Offset(ref s, ref s.FirstSector));
        Assert.AreEqual(5, Offset(ref s, ref s.LastSector));
    }

    [TestMethod]
    public void RequestOffsets()
    {
        var r = default(BlkifRequest);
        Assert.AreEqual(0, Offset(ref r, ref r.Operation));
        Assert.AreEqual(1, Offset(ref r, ref r.SegmentCount));
        Assert.AreEqual(2, Offset(ref r, ref r.Handle));
        Assert.AreEqual(8, Offset(ref r, ref r.Id));
        Assert.AreEqual(16, Offset(ref r, ref r.SectorNumber));
        Assert.AreEqual(24, Offset(ref r, ref r.Segments[0]));
        Assert.AreEqual(24 + (10 * 8), Offset(ref r, ref r.Segments[10]));
    }

    [TestMethod]
    public void DiscardOffsets()
    {
        var d = default(BlkifDiscardRequest);
        Assert.AreEqual(0, Offset(ref d, ref d.Operation));
        Assert.AreEqual(1, Offset(ref d, ref d.Flag));
        Assert.AreEqual(2, Offset(ref d, ref d.Handle));
        Assert.AreEqual(8, Offset(ref d, ref d.Id));
        Assert.AreEqual(16, Offset(ref d, ref d.SectorNumber));
        Assert.AreEqual(24, Offset(ref d, ref d.SectorCount));
    }

    [TestMethod]
    public void IndirectOffsets()
    {
        var i = default(BlkifIndirectRequest);
        Assert.AreEqual(0, Offset(ref i, ref i.Operation));
        Assert.AreEqual(1, Offset(ref i, ref i.IndirectOperation));
        Assert.AreEqual(2, Offset(ref i, ref i.SegmentCount));
        Assert.AreEqual(8, Offset(ref i, ref i.Id));
        Assert.AreEqual(16, Offset(ref i, ref i.SectorNumber));
        Assert.AreEqual(24, Offset(ref i, ref i.Handle));
        Assert.AreEqual(28, Offset(ref i, ref i.IndirectGrefs[0]));
        Assert.AreEqual(28 + (7 * 4), Offset(ref i, ref i.IndirectGrefs[7]));
    }

    [TestMethod]
    public void ResponseOffsets()
    {
        var r = default(BlkifResponse);
        Assert.AreEqual(0, Offset(ref r, ref r.Id));
        Assert.AreEqual(8, Offset(ref r, ref r.Operation));
        Assert.AreEqual(10, Offset(ref r, ref r.Status));
    }

    [TestMethod]
    public void ConstantsAreXens()
    {
        int[] operations = [(int)BlkifOperation.Read, (int)BlkifOperation.Write, (int)BlkifOperation.WriteBarrier, (int)BlkifOperation.FlushDiskCache, (int)BlkifOperation.Reserved1, (int)BlkifOperation.Discard, (int)BlkifOperation.Indirect];
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5, 6 }, operations);
        int[] statuses = [(int)BlkifStatus.Okay, (int)BlkifStatus.Error, (int)BlkifStatus.NotSupported];
        CollectionAssert.AreEqual(new[] { 0, -1, -2 }, statuses);
        int[] limits = [BlkifProtocol.MaxSegmentsPerRequest, BlkifProtocol.MaxIndirectPagesPerRequest, BlkifProtocol.SegmentsPerIndirectPage, (int)VdiskInfo.ReadOnly, BlkifProtocol.DiscardSecure, BlkifProtocol.SectorSize];
        CollectionAssert.AreEqual(new[] { 11, 8, 512, 4, 1, 512 }, limits);
    }

    [TestMethod]
    public void AnOrderZeroRingHoldsThirtyTwoRequests()
    {
        // Xen: (4096 - 64) / 112 = 36, rounded down to 32; ParaIo's larger header gives the same.
        Assert.AreEqual(32u, RingLayout.SlotCount(0, RingLayout.SlotSize<BlkifRequest, BlkifResponse>()));
        Assert.AreEqual(512u, RingLayout.SlotCount(4, RingLayout.SlotSize<BlkifRequest, BlkifResponse>()));
    }

    [TestMethod]
    public void DiscardAndIndirectShareTheRequestSlot()
    {
        var slot = default(BlkifRequest);
        ref var discard = ref BlkifProtocol.AsDiscard(ref slot);
        discard.Operation = BlkifOperation.Discard;
        discard.Id = 42;
        discard.SectorCount = 99;
        Assert.AreEqual(BlkifOperation.Discard, slot.Operation);
        Assert.AreEqual(42ul, slot.Id);
        Assert.AreEqual(99u, slot.Segments[0].Gref); // nr_sectors overlays the first segment

        ref var indirect = ref BlkifProtocol.AsIndirect(ref slot);
        indirect.SegmentCount = 300;
        Assert.AreEqual(300, slot.Handle); // nr_segments (u16 at +2) overlays the direct layout's handle
    }

    private static long Offset<TStruct, TField>(ref TStruct owner, ref TField field) =>
        Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref owner), ref Unsafe.As<TField, byte>(ref field));
}
