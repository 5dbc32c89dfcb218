using System.Buffers.Binary;
using System.Net;
using ParaIo.Backend.Bridge;

namespace ParaIo.Net.Tests;

/// <summary>
/// Ethernet frames with IPv4/IPv6 and TCP/UDP headers for the uplink offload tests, and an
/// independent checker of their checksums (written word by word, sharing no code with the backend's).
/// </summary>
internal static class Packets
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte TcpFin = 0x01;
    public const byte TcpPsh = 0x08;
    public const byte TcpAck = 0x10;
    public const byte TcpCwr = 0x80;

    public static readonly IPAddress SourceV4 = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress DestinationV4 = IPAddress.Parse("192.0.2.2");
    public static readonly IPAddress SourceV6 = IPAddress.Parse("2001:db8::1");
    public static readonly IPAddress DestinationV6 = IPAddress.Parse("2001:db8::2");

    /// <summary>
    /// A frame from <paramref name="source"/> to <paramref name="destination"/> MAC carrying TCP or
    /// UDP with <paramref name="payload"/> over IPv4 or IPv6. Its L4 checksum field holds
    /// 0xDEAD, as a sender that leaves the checksum blank might leave it (the uplink computes it from scratch).
    /// </summary>
    public static byte[] Build(MacAddress destination, MacAddress source, bool ipv6, byte protocol, ReadOnlySpan<byte> payload, uint sequence = 1000, byte tcpFlags = TcpAck | TcpPsh, ushort identification = 0x1234)
    {
        var l3 = ipv6 ? 40 : 20;
        var l4 = protocol == Tcp ? 20 : 8;
        var frame = new byte[14 + l3 + l4 + payload.Length];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), ipv6 ? (ushort)0x86DD : (ushort)0x0800);
        var ip = frame.AsSpan(14);
        if (ipv6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(l4 + payload.Length));
            ip[6] = protocol;
            ip[7] = 64;
            SourceV6.GetAddressBytes().CopyTo(ip[8..]);
            DestinationV6.GetAddressBytes().CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)Math.Min(ushort.MaxValue, l3 + l4 + payload.Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
            ip[6] = 0x40; // don't fragment
            ip[8] = 64;
            ip[9] = protocol;
            SourceV4.GetAddressBytes().CopyTo(ip[12..]);
            DestinationV4.GetAddressBytes().CopyTo(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20], 0));
        }

        var transport = ip[l3..];
        BinaryPrimitives.WriteUInt16BigEndian(transport, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(transport[2..], 5201);
        if (protocol == Tcp)
        {
            BinaryPrimitives.WriteUInt32BigEndian(transport[4..], sequence);
            BinaryPrimitives.WriteUInt32BigEndian(transport[8..], 77);
            transport[12] = 5 << 4;
            transport[13] = tcpFlags;
            BinaryPrimitives.WriteUInt16BigEndian(transport[14..], 512);
            BinaryPrimitives.WriteUInt16BigEndian(transport[16..], 0xDEAD);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)(8 + payload.Length));
            BinaryPrimitives.WriteUInt16BigEndian(transport[6..], 0xDEAD);
        }

        payload.CopyTo(transport[l4..]);
        return frame;
    }

    /// <summary>A seeded payload.</summary>
    public static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Where the L4 header starts in a frame <see cref="Build"/> made.</summary>
    public static int TransportOffset(byte[] frame) => 14 + (IsIPv6(frame) ? 40 : 20);

    public static bool IsIPv6(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) == 0x86DD;

    /// <summary>The payload of a frame <see cref="Build"/> made (TCP without options), as far as its IP length says.</summary>
    public static byte[] TcpPayload(byte[] frame)
    {
        var l4 = TransportOffset(frame);
        return frame.AsSpan(l4 + 20, 14 + IpLength(frame) - l4 - 20).ToArray();
    }

    public static uint TcpSequence(byte[] frame) => BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(TransportOffset(frame) + 4));

    public static byte TcpFlags(byte[] frame) => frame[TransportOffset(frame) + 13];

    public static ushort IPv4Identification(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18));

    /// <summary>IP header and payload bytes as the IP header gives them.</summary>
    public static int IpLength(byte[] frame) => IsIPv6(frame)
        ? 40 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18))
        : BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16));

    /// <summary>True when the IPv4 header checksum (if any) and the TCP/UDP checksum over the pseudo-header verify.</summary>
    public static bool ChecksumsAreValid(byte[] frame)
    {
        var v6 = IsIPv6(frame);
        if (!v6 && Checksum(frame.AsSpan(14, 20), 0) != 0)
        {
            return false;
        }

        var l4 = TransportOffset(frame);
        var length = 14 + IpLength(frame) - l4;
        if (length < 0 || l4 + length > frame.Length)
        {
            return false;
        }

        var protocol = v6 ? frame[14 + 6] : frame[14 + 9];
        uint pseudo = (uint)length + protocol;
        var addresses = v6 ? frame.AsSpan(14 + 8, 32) : frame.AsSpan(14 + 12, 8);
        for (var i = 0; i < addresses.Length; i += 2)
        {
            pseudo += BinaryPrimitives.ReadUInt16BigEndian(addresses[i..]);
        }

        if (protocol == Udp && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(l4 + 6)) == 0)
        {
            return false; // "no checksum" is not what the uplink was asked for
        }

        return Checksum(frame.AsSpan(l4, length), pseudo) == 0;
    }

    /// <summary>The Internet checksum, word by word: zero over data that includes a correct checksum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint seed)
    {
        var sum = seed;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
        }

        if ((data.Length & 1) != 0)
        {
            sum += (uint)(data[^1] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
