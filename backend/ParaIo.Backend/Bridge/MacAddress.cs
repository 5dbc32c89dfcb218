using System.Buffers.Binary;
using System.Globalization;

namespace ParaIo.Backend.Bridge;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits of a <see cref="ulong"/> (first octet highest).</summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>The broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFF);

    /// <summary>Xen's OUI 00:16:3e, the prefix of derived vif addresses.</summary>
    public const ulong XenOui = 0x00_16_3E;

    /// <summary>True for a group address (the I/G bit of the first octet): broadcast and multicast.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000) != 0;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFF;

    /// <summary>Reads six octets.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> octets) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(octets) << 32) | BinaryPrimitives.ReadUInt32BigEndian(octets[2..]));

    /// <summary>Writes six octets.</summary>
    public void Write(Span<byte> octets)
    {
        BinaryPrimitives.WriteUInt16BigEndian(octets, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(octets[2..], (uint)Value);
    }

    /// <summary>Parses <c>xx:xx:xx:xx:xx:xx</c> (hex, either case).</summary>
    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (var i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != ':')
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet))
            {
                return false;
            }

            value = (value << 8) | (ulong)octet;
        }

        mac = new MacAddress(value);
        return true;
    }

    /// <summary>Xen's derived vif address: 00:16:3e followed by 24 bits of the domain and device id.</summary>
    public static MacAddress ForVif(int domain, int device)
    {
        // Deterministic and unique for domain < 2^16 and device < 2^8; a locally unique, stable tail.
        var tail = ((ulong)(uint)(domain & 0xFFFF) << 8) | (uint)(device & 0xFF);
        return new MacAddress((XenOui << 24) | tail);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        Span<byte> octets = stackalloc byte[6];
        Write(octets);
        return string.Create(CultureInfo.InvariantCulture, $"{octets[0]:x2}:{octets[1]:x2}:{octets[2]:x2}:{octets[3]:x2}:{octets[4]:x2}:{octets[5]:x2}");
    }
}
