using System.Buffers.Binary;
using ParaIo.Backend.Bridge;

namespace ParaIo.Net.Tests;

/// <summary>Test frames: addresses, an experimental EtherType, a seeded payload.</summary>
internal static class Frames
{
    public const ushort TestEtherType = 0x88B5;

    public static MacAddress Mac(int n) => new(0x02_00_00_00_00_00UL | (uint)n);

    public static byte[] Build(MacAddress destination, MacAddress source, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        destination.Write(bytes);
        source.Write(bytes.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(12), TestEtherType);
        return bytes;
    }

    public static byte[] Tagged(byte[] untagged, int vlan)
    {
        var bytes = new byte[untagged.Length + 4];
        untagged.AsSpan(0, 12).CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(12), VlanConfig.TagProtocol);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)vlan);
        untagged.AsSpan(12).CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>An IPv4/UDP frame of <paramref name="length"/> bytes to UDP port <paramref name="destinationPort"/>.</summary>
    public static byte[] Udp(MacAddress destination, MacAddress source, ushort destinationPort, int length)
    {
        var bytes = new byte[length];
        destination.Write(bytes);
        source.Write(bytes.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(12), 0x0800);
        var ip = bytes.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(length - 14));
        ip[8] = 64;
        ip[9] = 17; // UDP
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(length - 34));
        return bytes;
    }

    /// <summary>The UDP destination port of a frame built by <see cref="Udp"/>.</summary>
    public static ushort UdpDestinationPort(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt16BigEndian(frame[36..]);
}
