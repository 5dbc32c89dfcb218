using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>Where a blank checksum starts and goes, read from a frame's own headers (no root needed).</summary>
[TestClass]
public sealed class PartialChecksumTests
{
    [TestMethod]
    public void TcpOverIPv4FindsTheTcpHeaderAndItsChecksumField()
    {
        var frame = Frame(0x0800, Ipv4(protocol: 6, optionWords: 0), Tcp(dataOffsetWords: 8));

        Assert.IsTrue(PartialChecksum.TryLocate(frame, out var start, out var offset, out var headers, out var tcp));
        Assert.AreEqual((34, 16, 34 + 32, true), (start, offset, headers, tcp));
    }

    [TestMethod]
    public void UdpOverIPv4WithOptionsBehindAVlanTag()
    {
        var frame = Frame(0x0800, Ipv4(protocol: 17, optionWords: 2), new byte[8], vlanTag: true);

        Assert.IsTrue(PartialChecksum.TryLocate(frame, out var start, out var offset, out var headers, out var tcp));
        Assert.AreEqual((14 + 4 + 28, 6, 14 + 4 + 28 + 8, false), (start, offset, headers, tcp));
    }

    [TestMethod]
    public void TcpOverIPv6SkipsAHopByHopOptionsHeader()
    {
        var ipv6 = new byte[40];
        ipv6[0] = 0x60;
        ipv6[6] = 0; // hop-by-hop options follow
        var hopByHop = new byte[16];
        hopByHop[0] = 6; // then TCP
        hopByHop[1] = 1; // (1 + 1) * 8 bytes
        var frame = Frame(0x86DD, [.. ipv6, .. hopByHop], Tcp(dataOffsetWords: 5));

        Assert.IsTrue(PartialChecksum.TryLocate(frame, out var start, out var offset, out _, out var tcp));
        Assert.AreEqual((14 + 40 + 16, 16, true), (start, offset, tcp));
    }

    [TestMethod]
    public void TheHeaderForGsoCarriesTypeSizeAndHeaderLength()
    {
        var frame = Frame(0x0800, Ipv4(protocol: 6, optionWords: 0), Tcp(dataOffsetWords: 5));

        Assert.IsTrue(PartialChecksum.TryCreateHeader(frame, checksumBlank: true, VirtioNetGsoType.TcpV4, 1448, out var header));

        Assert.AreEqual(VirtioNetHeaderFlags.NeedsChecksum, header.Flags);
        Assert.AreEqual((VirtioNetGsoType.TcpV4, (ushort)1448, (ushort)54, (ushort)34, (ushort)16), (header.GsoType, header.GsoSize, header.HeaderLength, header.ChecksumStart, header.ChecksumOffset));
    }

    [TestMethod]
    public void WithoutOffloadsTheHeaderIsZeroEvenForFramesItCannotRead()
    {
        Assert.IsTrue(PartialChecksum.TryCreateHeader(new byte[20], checksumBlank: false, VirtioNetGsoType.None, 0, out var header));
        Assert.AreEqual(default, header);
    }

    [TestMethod]
    public void IcmpArpGsoOverUdpAndCutFramesAreRefused()
    {
        var icmp = Frame(0x0800, Ipv4(protocol: 1, optionWords: 0), new byte[8]);
        var arp = Frame(0x0806, new byte[28], []);
        var udp = Frame(0x0800, Ipv4(protocol: 17, optionWords: 0), new byte[8]);
        var cut = Frame(0x0800, Ipv4(protocol: 6, optionWords: 0), Tcp(5))[..40];

        Assert.IsFalse(PartialChecksum.TryCreateHeader(icmp, checksumBlank: true, VirtioNetGsoType.None, 0, out _));
        Assert.IsFalse(PartialChecksum.TryCreateHeader(arp, checksumBlank: true, VirtioNetGsoType.None, 0, out _));
        Assert.IsFalse(PartialChecksum.TryCreateHeader(udp, checksumBlank: true, VirtioNetGsoType.TcpV4, 1448, out _));
        Assert.IsTrue(PartialChecksum.TryCreateHeader(udp, checksumBlank: true, VirtioNetGsoType.None, 0, out _));
        Assert.IsFalse(PartialChecksum.TryCreateHeader(cut, checksumBlank: true, VirtioNetGsoType.None, 0, out _));
    }

    private static byte[] Frame(ushort etherType, byte[] network, byte[] transport, bool vlanTag = false)
    {
        var ethernet = new List<byte>(new byte[12]);
        if (vlanTag)
        {
            ethernet.AddRange([0x81, 0x00, 0x00, 0x0A]);
        }

        ethernet.AddRange([(byte)(etherType >> 8), (byte)etherType]);
        return [.. ethernet, .. network, .. transport, .. new byte[32]];
    }

    private static byte[] Ipv4(byte protocol, int optionWords)
    {
        var header = new byte[20 + (optionWords * 4)];
        header[0] = (byte)(0x40 | (5 + optionWords));
        header[9] = protocol;
        return header;
    }

    private static byte[] Tcp(int dataOffsetWords)
    {
        var header = new byte[dataOffsetWords * 4];
        header[12] = (byte)(dataOffsetWords << 4);
        return header;
    }
}
