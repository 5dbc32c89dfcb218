using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Uplinks;

namespace ParaIo.Net.Tests;

/// <summary>The VXLAN header as RFC 7348 lays it out, and the rules a received datagram must pass before its frame enters the bridge.</summary>
[TestClass]
public sealed class VxlanHeaderTests
{
    private const int MaxInnerFrame = 1518;

    [TestMethod]
    [DataRow(0)]
    [DataRow(42)]
    [DataRow(0x123456)]
    [DataRow(VxlanHeader.MaxVni)]
    public void AHeaderReadsBackAsWritten(int vni)
    {
        var bytes = new byte[VxlanHeader.Length];
        VxlanHeader.ForVni(vni).Write(bytes);

        var read = VxlanHeader.Read(bytes);

        Assert.AreEqual(vni, read.Vni);
        Assert.IsTrue(read.HasInstance);
        Assert.AreEqual(VxlanHeader.ForVni(vni), read);
    }

    [TestMethod]
    public void TheWireBytesAreTheIFlagThenTheVniInBytesFourToSixAndZeroesElsewhere()
    {
        var bytes = Enumerable.Repeat((byte)0xFF, VxlanHeader.Length + 2).ToArray();

        VxlanHeader.ForVni(0xABCDEF).Write(bytes);

        CollectionAssert.AreEqual(new byte[] { 0x08, 0, 0, 0, 0xAB, 0xCD, 0xEF, 0, 0xFF, 0xFF }, bytes, "reserved bits zero on send; nothing past the header touched");
    }

    [TestMethod]
    public void ReservedBitsAreIgnoredOnReceive()
    {
        byte[] bytes = [0x08 | 0xF7, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x2A, 0xFF];

        var read = VxlanHeader.Read(bytes);

        Assert.AreEqual(42, read.Vni);
        Assert.IsTrue(read.HasInstance);
        Assert.IsNull(VxlanUplinkPort.Check([.. bytes, .. new byte[14]], 42, MaxInnerFrame));
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(VxlanHeader.MaxVni + 1)]
    public void AVniOutsideTwentyFourBitsIsRefused(int vni) =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VxlanHeader.ForVni(vni));

    [TestMethod]
    public void ReadingFewerThanEightBytesIsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => VxlanHeader.Read(new byte[7]));

    [TestMethod]
    public void EveryDropReasonIsFoundAndAGoodDatagramPasses()
    {
        Assert.IsNull(VxlanUplinkPort.Check(Datagram(42, 14), 42, MaxInnerFrame), "the shortest frame, an Ethernet header");
        Assert.IsNull(VxlanUplinkPort.Check(Datagram(42, MaxInnerFrame), 42, MaxInnerFrame), "the longest frame");
        Assert.AreEqual(VxlanDrop.ShortDatagram, VxlanUplinkPort.Check(new byte[7], 42, MaxInnerFrame));
        Assert.AreEqual(VxlanDrop.ShortDatagram, VxlanUplinkPort.Check([], 42, MaxInnerFrame));
        var noFlag = Datagram(42, 60);
        noFlag[0] = 0;
        Assert.AreEqual(VxlanDrop.NoInstanceFlag, VxlanUplinkPort.Check(noFlag, 42, MaxInnerFrame));
        Assert.AreEqual(VxlanDrop.ForeignVni, VxlanUplinkPort.Check(Datagram(43, 60), 42, MaxInnerFrame));
        Assert.AreEqual(VxlanDrop.RuntFrame, VxlanUplinkPort.Check(Datagram(42, 13), 42, MaxInnerFrame));
        Assert.AreEqual(VxlanDrop.RuntFrame, VxlanUplinkPort.Check(Datagram(42, 0), 42, MaxInnerFrame), "a bare header");
        Assert.AreEqual(VxlanDrop.OversizedFrame, VxlanUplinkPort.Check(Datagram(42, MaxInnerFrame + 1), 42, MaxInnerFrame));
    }

    /// <summary>A VXLAN datagram of <paramref name="vni"/> around an inner frame of <paramref name="frameLength"/> bytes.</summary>
    internal static byte[] Datagram(int vni, int frameLength)
    {
        var bytes = new byte[VxlanHeader.Length + frameLength];
        new Random(frameLength).NextBytes(bytes);
        VxlanHeader.ForVni(vni).Write(bytes);
        return bytes;
    }
}
