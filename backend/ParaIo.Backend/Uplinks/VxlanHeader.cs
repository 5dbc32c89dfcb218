using System.Buffers.Binary;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// The 8-byte VXLAN header (RFC 7348 section 5) that precedes the inner Ethernet frame in every
/// VXLAN UDP datagram. All fields are big-endian (network order).
/// <code>
///  byte 0          1     2     3     4     5     6          7
///      +----------+-----------------+-----------------------+----------+
///      | flags    | reserved (24)   | VNI (24)              | reserved |
///      +----------+-----------------+-----------------------+----------+
///      | inner Ethernet frame: dst MAC, src MAC, ethertype, payload (no FCS) ...
///  flags     R R R R I R R R: the I bit (0x08) says the VNI is valid; it must be set
///  reserved  zero when sent, ignored when received (as are the R bits of flags)
/// </code>
/// </summary>
/// <param name="Flags">The flags byte as read; <see cref="InstanceFlag"/> is the only bit with a meaning.</param>
/// <param name="Vni">The 24-bit VXLAN network identifier.</param>
public readonly record struct VxlanHeader(byte Flags, int Vni)
{
    /// <summary>Bytes of the header in front of the inner frame.</summary>
    public const int Length = 8;

    /// <summary>Offset of the flags byte.</summary>
    public const int FlagsOffset = 0;

    /// <summary>Offset of the 24-bit VNI.</summary>
    public const int VniOffset = 4;

    /// <summary>The I flag: the VNI field is valid.</summary>
    public const byte InstanceFlag = 0x08;

    /// <summary>The largest VNI (24 bits).</summary>
    public const int MaxVni = 0xFF_FFFF;

    /// <summary>The IANA-assigned UDP destination port of VXLAN.</summary>
    public const int DefaultPort = 4789;

    /// <summary>True when the I flag is set, so <see cref="Vni"/> means something.</summary>
    public bool HasInstance => (Flags & InstanceFlag) != 0;

    /// <summary>The header a sender puts on frames of <paramref name="vni"/>: the I flag and the VNI.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vni"/> is outside 0..<see cref="MaxVni"/>.</exception>
    public static VxlanHeader ForVni(int vni)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vni);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vni, MaxVni);
        return new VxlanHeader(InstanceFlag, vni);
    }

    /// <summary>Reads the header at the start of <paramref name="datagram"/>, ignoring the reserved bits.</summary>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is shorter than <see cref="Length"/>.</exception>
    public static VxlanHeader Read(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Length)
        {
            throw new ArgumentException($"A VXLAN header is {Length} bytes; {datagram.Length} given.", nameof(datagram));
        }

        // The VNI is the top 24 bits of the second word; its low byte is reserved.
        return new VxlanHeader(datagram[FlagsOffset], (int)(BinaryPrimitives.ReadUInt32BigEndian(datagram[VniOffset..]) >> 8));
    }

    /// <summary>Writes the header to the start of <paramref name="destination"/> with every reserved bit zero.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"A VXLAN header is {Length} bytes; {destination.Length} given.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(Flags & InstanceFlag) << 24);
        BinaryPrimitives.WriteUInt32BigEndian(destination[VniOffset..], (uint)(Vni & MaxVni) << 8);
    }
}
