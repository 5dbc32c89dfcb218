using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>
/// Builds and picks apart the few frames the tests exchange with the kernel (ARP, ICMP echo, TCP),
/// each behind a zeroed vnet header, so the tests need no packet library.
/// </summary>
internal static class TestFrames
{
    public const int EthernetHeaderLength = 14;
    public const ushort EtherTypeIPv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;
    public const byte ProtocolIcmp = 1;
    public const byte ProtocolTcp = 6;
    public const byte TcpFin = 0x01;
    public const byte TcpSyn = 0x02;
    public const byte TcpPsh = 0x08;
    public const byte TcpAck = 0x10;

    public static readonly PhysicalAddress TapMac = PhysicalAddress.Parse("02-00-5E-00-00-01");
    public static readonly PhysicalAddress PeerMac = PhysicalAddress.Parse("02-00-5E-00-00-02");
    public static readonly IPAddress TapIp = IPAddress.Parse("10.99.0.1");
    public static readonly IPAddress PeerIp = IPAddress.Parse("10.99.0.2");

    public static byte[] ArpRequest(PhysicalAddress senderMac, IPAddress senderIp, IPAddress targetIp)
    {
        var frame = new byte[VirtioNetHeader.Size + EthernetHeaderLength + 28];
        var ethernet = frame.AsSpan(VirtioNetHeader.Size);
        WriteEthernet(ethernet, PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), senderMac, EtherTypeArp);
        var arp = ethernet[EthernetHeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], EtherTypeIPv4);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);
        senderMac.GetAddressBytes().CopyTo(arp[8..]);
        senderIp.GetAddressBytes().CopyTo(arp[14..]);
        targetIp.GetAddressBytes().CopyTo(arp[24..]);
        return frame;
    }

    public static byte[] IcmpEchoRequest(PhysicalAddress destinationMac, IPAddress source, IPAddress destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        var icmpLength = 8 + payload.Length;
        var frame = new byte[VirtioNetHeader.Size + EthernetHeaderLength + 20 + icmpLength];
        var ethernet = frame.AsSpan(VirtioNetHeader.Size);
        WriteEthernet(ethernet, destinationMac, PeerMac, EtherTypeIPv4);
        var ip = ethernet[EthernetHeaderLength..];
        WriteIPv4(ip, ProtocolIcmp, source, destination, icmpLength);
        var icmp = ip[20..];
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        payload.CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp, 0));
        return frame;
    }

    /// <summary>A TCP segment from the peer to the TAP's address, with an MSS and window-scale option when it is a SYN.</summary>
    public static byte[] TcpSegment(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgement, byte flags, ushort window) =>
        TcpSegment(sourcePort, destinationPort, sequence, acknowledgement, flags, window, [], gsoSize: 0);

    /// <summary>
    /// A TCP segment from the peer carrying <paramref name="payload"/>. With a <paramref name="gsoSize"/>
    /// it is a TSO super-frame: gso_type TCPV4 and a partial checksum (NEEDS_CSUM), as a guest hands it over.
    /// </summary>
    public static byte[] TcpSegment(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgement, byte flags, ushort window, ReadOnlySpan<byte> payload, ushort gsoSize)
    {
        var options = (flags & TcpSyn) != 0 ? new byte[] { 2, 4, 0x05, 0xB4, 1, 3, 3, 7 } : [];
        var tcpHeaderLength = 20 + options.Length;
        var tcpLength = tcpHeaderLength + payload.Length;
        var frame = new byte[VirtioNetHeader.Size + EthernetHeaderLength + 20 + tcpLength];
        var ethernet = frame.AsSpan(VirtioNetHeader.Size);
        WriteEthernet(ethernet, TapMac, PeerMac, EtherTypeIPv4);
        var ip = ethernet[EthernetHeaderLength..];
        WriteIPv4(ip, ProtocolTcp, PeerIp, TapIp, tcpLength);
        var tcp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgement);
        tcp[12] = (byte)((tcpHeaderLength / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        options.CopyTo(tcp[20..]);
        payload.CopyTo(tcp[tcpHeaderLength..]);
        var tcpStart = EthernetHeaderLength + 20;
        var pseudo = PseudoHeaderSum(PeerIp, TapIp, ProtocolTcp, tcpLength);
        if (gsoSize == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(tcp, pseudo));
            return frame;
        }

        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], (ushort)~Checksum([], pseudo));
        new VirtioNetHeader
        {
            Flags = VirtioNetHeaderFlags.NeedsChecksum,
            GsoType = VirtioNetGsoType.TcpV4,
            HeaderLength = (ushort)(tcpStart + tcpHeaderLength),
            GsoSize = gsoSize,
            ChecksumStart = (ushort)tcpStart,
            ChecksumOffset = 16,
        }.Write(frame);
        return frame;
    }

    public static ushort EtherType(ReadOnlySpan<byte> ethernet) => BinaryPrimitives.ReadUInt16BigEndian(ethernet[12..]);

    public static byte IpProtocol(ReadOnlySpan<byte> ethernet) => ethernet[EthernetHeaderLength + 9];

    public static ReadOnlySpan<byte> IpPayload(ReadOnlySpan<byte> ethernet)
    {
        var ip = ethernet[EthernetHeaderLength..];
        var headerLength = (ip[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        return ip[headerLength..totalLength];
    }

    public static bool IsTcp(ReadOnlySpan<byte> ethernet) =>
        ethernet.Length > EthernetHeaderLength + 20 && EtherType(ethernet) == EtherTypeIPv4 && IpProtocol(ethernet) == ProtocolTcp;

    public static int TcpPayloadLength(ReadOnlySpan<byte> ethernet)
    {
        var tcp = IpPayload(ethernet);
        return tcp.Length - ((tcp[12] >> 4) * 4);
    }

    /// <summary>The internet checksum (RFC 1071) of <paramref name="data"/> plus a running sum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static uint PseudoHeaderSum(IPAddress source, IPAddress destination, byte protocol, int length)
    {
        Span<byte> pseudo = stackalloc byte[12];
        source.GetAddressBytes().CopyTo(pseudo);
        destination.GetAddressBytes().CopyTo(pseudo[4..]);
        pseudo[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)length);
        uint sum = 0;
        for (var i = 0; i < 12; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(pseudo[i..]);
        }

        return sum;
    }

    private static void WriteEthernet(Span<byte> ethernet, PhysicalAddress destination, PhysicalAddress source, ushort etherType)
    {
        destination.GetAddressBytes().CopyTo(ethernet);
        source.GetAddressBytes().CopyTo(ethernet[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(ethernet[12..], etherType);
    }

    private static void WriteIPv4(Span<byte> ip, byte protocol, IPAddress source, IPAddress destination, int payloadLength)
    {
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
        ip[8] = 64;
        ip[9] = protocol;
        source.GetAddressBytes().CopyTo(ip[12..]);
        destination.GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20], 0));
    }
}
