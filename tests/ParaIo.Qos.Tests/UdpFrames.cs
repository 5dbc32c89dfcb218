using System.Buffers.Binary;
using ParaIo.Backend.Bridge;

namespace ParaIo.Qos.Tests;

/// <summary>Hand-built Ethernet/IPv4/UDP frames of a chosen size, and the UDP port read back.</summary>
internal static class UdpFrames
{
    public const int HeaderBytes = 14 + 20 + 8;

    public static MacAddress Mac(int n) => new(0x02_00_00_00_00_00UL | (uint)n);

    public static byte[] Build(MacAddress destination, MacAddress source, ushort sourcePort, ushort destinationPort, int length)
    {
        var frame = new byte[length];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(length - 14));
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10;
        ip[15] = 1;
        ip[16] = 10;
        ip[19] = 2;
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(length - 34));
        return frame;
    }

    /// <summary>The UDP destination port of a frame built here.</summary>
    public static ushort DestinationPort(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt16BigEndian(frame[36..]);
}
