using System.Buffers.Binary;
using System.Net;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>Frames written to the TAP reach the namespace's stack, and its answers come back out with a vnet header.</summary>
[TestClass]
public sealed class KernelReplyTests : RootTestBed
{
    [TestMethod]
    public async Task AnArpRequestForTheTapsAddressIsAnswered()
    {
        var (_, tap) = NewTapInNamespace();

        await tap.WriteAsync(TestFrames.ArpRequest(TestFrames.PeerMac, TestFrames.PeerIp, TestFrames.TapIp));

        var (header, reply) = await NextFrameAsync(tap, (_, frame) => TestFrames.EtherType(frame) == TestFrames.EtherTypeArp);
        Assert.AreEqual(default, header, "an ARP reply needs no offload");
        CollectionAssert.AreEqual(TestFrames.PeerMac.GetAddressBytes(), reply[..6], "sent to the asker");
        CollectionAssert.AreEqual(TestFrames.TapMac.GetAddressBytes(), reply[6..12], "from the TAP's MAC");
        var arp = reply.AsSpan(TestFrames.EthernetHeaderLength);
        Assert.AreEqual(2, BinaryPrimitives.ReadUInt16BigEndian(arp[6..]), "opcode: reply");
        CollectionAssert.AreEqual(TestFrames.TapMac.GetAddressBytes(), arp[8..14].ToArray(), "sender hardware address");
        Assert.AreEqual(TestFrames.TapIp, new IPAddress(arp[14..18]), "sender protocol address");
        Assert.AreEqual(TestFrames.PeerIp, new IPAddress(arp[24..28]), "target protocol address");
    }

    [TestMethod]
    public async Task AnArpRequestForAnotherAddressIsNotAnswered()
    {
        var (_, tap) = NewTapInNamespace();

        tap.Write(TestFrames.ArpRequest(TestFrames.PeerMac, TestFrames.PeerIp, IPAddress.Parse("10.99.0.77")));

        await Assert.ThrowsExactlyAsync<AssertFailedException>(() =>
            NextFrameAsync(tap, (_, frame) => TestFrames.EtherType(frame) == TestFrames.EtherTypeArp, timeoutMs: 500));
    }

    [TestMethod]
    public async Task AnIcmpEchoRequestIsAnsweredWithTheSamePayload()
    {
        var (network, tap) = NewTapInNamespace();
        network.AddNeighbor(tap.Name, TestFrames.PeerIp.ToString(), "02:00:5e:00:00:02");
        var payload = "paravirtual ping over a TAP"u8.ToArray();

        tap.Write(TestFrames.IcmpEchoRequest(TestFrames.TapMac, TestFrames.PeerIp, TestFrames.TapIp, identifier: 0x5151, sequence: 7, payload));

        var (header, reply) = await NextFrameAsync(tap, (_, frame) =>
            TestFrames.EtherType(frame) == TestFrames.EtherTypeIPv4 && TestFrames.IpProtocol(frame) == TestFrames.ProtocolIcmp);
        Assert.IsFalse(header.IsGso);
        CollectionAssert.AreEqual(TestFrames.PeerMac.GetAddressBytes(), reply[..6]);
        var ip = reply.AsSpan(TestFrames.EthernetHeaderLength);
        Assert.AreEqual(TestFrames.TapIp, new IPAddress(ip[12..16]));
        Assert.AreEqual(TestFrames.PeerIp, new IPAddress(ip[16..20]));
        var icmp = TestFrames.IpPayload(reply);
        Assert.AreEqual(0, icmp[0], "type: echo reply");
        Assert.AreEqual(0x5151, BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]));
        Assert.AreEqual(7, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
        CollectionAssert.AreEqual(payload, icmp[8..].ToArray());
        Assert.AreEqual(0, TestFrames.Checksum(icmp, 0), "the kernel finished the ICMP checksum");
    }

    [TestMethod]
    public async Task AnUnfinishedChecksumIsDroppedUnlessTheHeaderSaysNeedsChecksum()
    {
        var (network, tap) = NewTapInNamespace();
        network.AddNeighbor(tap.Name, TestFrames.PeerIp.ToString(), "02:00:5e:00:00:02");
        var request = TestFrames.IcmpEchoRequest(TestFrames.TapMac, TestFrames.PeerIp, TestFrames.TapIp, 1, 1, "x"u8);

        // Leave the ICMP checksum blank, as a guest that offloads it would: the stack drops the request.
        var icmpStart = TestFrames.EthernetHeaderLength + 20;
        request.AsSpan(VirtioNetHeader.Size + icmpStart + 2, 2).Clear();
        tap.Write(request);
        await Assert.ThrowsExactlyAsync<AssertFailedException>(() => NextIcmp(tap, 500));

        // The same bytes behind NEEDS_CSUM are a partial checksum the kernel takes (and would finish if it forwarded them).
        new VirtioNetHeader { Flags = VirtioNetHeaderFlags.NeedsChecksum, ChecksumStart = (ushort)icmpStart, ChecksumOffset = 2 }.Write(request);
        tap.Write(request);
        var (_, reply) = await NextIcmp(tap, 3000);
        Assert.AreEqual(0, TestFrames.IpPayload(reply)[0], "echo reply");
    }

    private static Task<(VirtioNetHeader Header, byte[] Frame)> NextIcmp(Devices.TapDevice tap, int timeoutMs) =>
        NextFrameAsync(tap, (_, frame) => TestFrames.EtherType(frame) == TestFrames.EtherTypeIPv4 && TestFrames.IpProtocol(frame) == TestFrames.ProtocolIcmp, timeoutMs);
}
