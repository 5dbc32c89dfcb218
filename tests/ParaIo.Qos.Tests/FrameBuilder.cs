using System.Buffers.Binary;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Hand-built Ethernet frames: exactly the header bytes a classifier looks at, plus a little payload.</summary>
internal static class FrameBuilder
{
    public static byte[] IPv4(TrafficProtocols protocol, ushort source, ushort destination, ushort[]? vlans = null, ushort fragment = 0, byte? ipProtocol = null, int options = 0)
    {
        var frame = new List<byte>();
        Ethernet(frame, 0x0800, vlans);
        var ip = new byte[20 + options];
        ip[0] = (byte)(0x40 | ((20 + options) / 4));
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), fragment);
        ip[8] = 64;
        ip[9] = ipProtocol ?? Protocol(protocol);
        frame.AddRange(ip);
        frame.AddRange(Transport(source, destination));
        return [.. frame];
    }

    public static byte[] IPv6(TrafficProtocols protocol, ushort source, ushort destination, ushort[]? vlans = null, byte[]? extensionTypes = null)
    {
        var frame = new List<byte>();
        Ethernet(frame, 0x86DD, vlans);
        var ip = new byte[40];
        ip[0] = 0x60;
        ip[7] = 64;
        var types = extensionTypes ?? [];
        ip[6] = types.Length > 0 ? types[0] : Protocol(protocol);
        frame.AddRange(ip);
        for (var i = 0; i < types.Length; i++)
        {
            var next = i + 1 < types.Length ? types[i + 1] : Protocol(protocol);
            if (types[i] == 51)
            {
                // Authentication header: 12 bytes of fixed part and 12 of ICV, length in 4-byte units minus 2.
                var ah = new byte[24];
                ah[0] = next;
                ah[1] = (24 / 4) - 2;
                frame.AddRange(ah);
            }
            else if (types[i] == 44)
            {
                var fragmentHeader = new byte[8];
                fragmentHeader[0] = next;
                frame.AddRange(fragmentHeader);
            }
            else
            {
                // Hop-by-hop, routing, destination options: 16 bytes, length in 8-byte units minus 1.
                var options = new byte[16];
                options[0] = next;
                options[1] = 1;
                frame.AddRange(options);
            }
        }

        frame.AddRange(Transport(source, destination));
        return [.. frame];
    }

    public static byte[] Arp()
    {
        var frame = new List<byte>();
        Ethernet(frame, 0x0806, null);
        frame.AddRange(new byte[28]);
        return [.. frame];
    }

    private static void Ethernet(List<byte> frame, ushort etherType, ushort[]? vlans)
    {
        frame.AddRange([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]);
        var tpid = vlans is { Length: 2 } ? (ushort)0x88A8 : (ushort)0x8100;
        foreach (var vlan in vlans ?? [])
        {
            Add16(frame, tpid);
            Add16(frame, vlan);
            tpid = 0x8100;
        }

        Add16(frame, etherType);
    }

    private static byte[] Transport(ushort source, ushort destination)
    {
        var header = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(header, source);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), destination);
        return header;
    }

    private static byte Protocol(TrafficProtocols protocol) => protocol == TrafficProtocols.Udp ? (byte)17 : (byte)6;

    private static void Add16(List<byte> frame, ushort value)
    {
        frame.Add((byte)(value >> 8));
        frame.Add((byte)value);
    }
}
