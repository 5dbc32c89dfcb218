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
}
