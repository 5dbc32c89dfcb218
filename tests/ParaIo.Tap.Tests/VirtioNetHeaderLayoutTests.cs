using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>The vnet header's bytes are where virtio 1.x (and the kernel's tun driver) put them.</summary>
[TestClass]
public sealed class VirtioNetHeaderLayoutTests
{
    private static readonly byte[] s_tso4Bytes = [0x01, 0x01, 0x36, 0x00, 0xB4, 0x05, 0x22, 0x00, 0x10, 0x00, 0x00, 0x00];

    [TestMethod]
    public void TheHeaderIsTwelveBytes()
    {
        Assert.AreEqual(12, VirtioNetHeader.Size);
        Assert.AreEqual(12, Marshal.SizeOf<VirtioNetHeader>());
        Assert.AreEqual(12, Unsafe.SizeOf<VirtioNetHeader>());
    }

    [TestMethod]
    public void FieldsLandAtTheirVirtioOffsetsLittleEndian()
    {
        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeaderFlags.NeedsChecksum,
            GsoType = VirtioNetGsoType.TcpV4,
            HeaderLength = 54,
            GsoSize = 1460,
            ChecksumStart = 34,
            ChecksumOffset = 16,
        };
        var bytes = new byte[VirtioNetHeader.Size];
        header.Write(bytes);
        CollectionAssert.AreEqual(s_tso4Bytes, bytes);
    }

    [TestMethod]
    public void ReadingTheBytesBackGivesTheSameHeader()
    {
        var header = VirtioNetHeader.Read(s_tso4Bytes);
        Assert.AreEqual(VirtioNetHeaderFlags.NeedsChecksum, header.Flags);
        Assert.AreEqual(VirtioNetGsoType.TcpV4, header.GsoType);
        Assert.AreEqual(54, header.HeaderLength);
        Assert.AreEqual(1460, header.GsoSize);
        Assert.AreEqual(34, header.ChecksumStart);
        Assert.AreEqual(16, header.ChecksumOffset);
        Assert.AreEqual(0, header.NumBuffers);
        Assert.IsTrue(header.IsGso);
    }

    [TestMethod]
    public void TheEcnBitAloneIsNotSegmentation()
    {
        Assert.IsFalse(new VirtioNetHeader { GsoType = VirtioNetGsoType.Ecn }.IsGso);
        Assert.IsTrue(new VirtioNetHeader { GsoType = VirtioNetGsoType.TcpV6 | VirtioNetGsoType.Ecn }.IsGso);
        Assert.IsFalse(default(VirtioNetHeader).IsGso);
    }
}
