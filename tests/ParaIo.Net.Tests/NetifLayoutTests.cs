using System.Runtime.CompilerServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Net.Tests;

/// <summary>The netif structs have Xen's sizes and field offsets (io/netif.h), and the constants its values.</summary>
[TestClass]
public sealed class NetifLayoutTests
{
    [TestMethod]
    public void SizesAreXens()
    {
        Assert.AreEqual(12, Unsafe.SizeOf<NetifTxRequest>());
        Assert.AreEqual(4, Unsafe.SizeOf<NetifTxResponse>());
        Assert.AreEqual(8, Unsafe.SizeOf<NetifRxRequest>());
        Assert.AreEqual(8, Unsafe.SizeOf<NetifRxResponse>());
        Assert.AreEqual(8, Unsafe.SizeOf<NetifExtraInfo>());
    }

    [TestMethod]
    public void TxOffsets()
    {
        var r = default(NetifTxRequest);
        Assert.AreEqual(0, Offset(ref r, ref r.Gref));
        Assert.AreEqual(4, Offset(ref r, ref r.Offset));
        Assert.AreEqual(6, Offset(ref r, ref r.Flags));
        Assert.AreEqual(8, Offset(ref r, ref r.Id));
        Assert.AreEqual(10, Offset(ref r, ref r.Size));
        var s = default(NetifTxResponse);
        Assert.AreEqual(0, Offset(ref s, ref s.Id));
        Assert.AreEqual(2, Offset(ref s, ref s.Status));
    }

    [TestMethod]
    public void RxOffsets()
    {
        var r = default(NetifRxRequest);
        Assert.AreEqual(0, Offset(ref r, ref r.Id));
        Assert.AreEqual(4, Offset(ref r, ref r.Gref));
        var s = default(NetifRxResponse);
        Assert.AreEqual(0, Offset(ref s, ref s.Id));
        Assert.AreEqual(2, Offset(ref s, ref s.Offset));
        Assert.AreEqual(4, Offset(ref s, ref s.Flags));
        Assert.AreEqual(6, Offset(ref s, ref s.Status));
    }

    [TestMethod]
    public void ExtraInfoOffsets()
    {
        var e = default(NetifExtraInfo);
        Assert.AreEqual(0, Offset(ref e, ref e.Type));
        Assert.AreEqual(1, Offset(ref e, ref e.Flags));
        Assert.AreEqual(2, Offset(ref e, ref e.GsoSize));
        Assert.AreEqual(4, Offset(ref e, ref e.GsoType));
        Assert.AreEqual(5, Offset(ref e, ref e.GsoPad));
        Assert.AreEqual(6, Offset(ref e, ref e.GsoFeatures));
    }

    [TestMethod]
    public void ConstantsAreXens()
    {
        (int Expected, int Actual)[] table =
        [
            (1, (int)NetTxFlags.ChecksumBlank),
            (2, (int)NetTxFlags.DataValidated),
            (4, (int)NetTxFlags.MoreData),
            (8, (int)NetTxFlags.ExtraInfo),
            (1, (int)NetRxFlags.DataValidated),
            (2, (int)NetRxFlags.ChecksumBlank),
            (4, (int)NetRxFlags.MoreData),
            (8, (int)NetRxFlags.ExtraInfo),
            (16, (int)NetRxFlags.GsoPrefix),
            (0, (int)NetifStatus.Okay),
            (-1, (int)NetifStatus.Error),
            (-2, (int)NetifStatus.Dropped),
            (1, (int)NetifStatus.Null),
            (1, (int)NetifExtraType.Gso),
            (1, (int)NetifGsoType.TcpV4),
            (2, (int)NetifGsoType.TcpV6),
            (18, NetifProtocol.MaxSlots),
        ];
        foreach (var (expected, actual) in table)
        {
            Assert.AreEqual(expected, actual);
        }
    }

    [TestMethod]
    public void RingsHoldXensSlotCounts()
    {
        Assert.AreEqual(256u, RingLayout.SlotCount(0, Math.Max(NetifProtocol.TxRequestSize, NetifProtocol.TxResponseSize)));
        Assert.AreEqual(256u, RingLayout.SlotCount(0, Math.Max(NetifProtocol.RxRequestSize, NetifProtocol.RxResponseSize)));
    }

    [TestMethod]
    public void QueueKeysNestOnlyForSeveralQueues()
    {
        Assert.AreEqual("tx-ring-ref", NetKeys.QueueKey(0, 1, NetKeys.TxRingRef));
        Assert.AreEqual("queue-1/event-channel-rx", NetKeys.QueueKey(1, 2, NetKeys.RxEventChannel));
    }

    private static int Offset<TStruct, TField>(ref TStruct s, ref TField field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref s), ref Unsafe.As<TField, byte>(ref field));
}
