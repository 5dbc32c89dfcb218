using System.Buffers.Binary;

namespace ParaIo.Tap.VirtioNet;

/// <summary>
/// Builds the vnet header of a frame whose sender left its L4 checksum blank or asked for GSO. A
/// netif frame says only "checksum blank" and the GSO kind and size; the vnet header also needs
/// where the checksum starts and where it goes, which this reads from the frame's own headers,
/// as Linux's netback does (<c>skb_checksum_setup</c>): Ethernet with up to two 802.1Q/802.1ad
/// tags, IPv4 or IPv6 (hop-by-hop, routing and destination options skipped), then TCP or UDP.
/// </summary>
public static class PartialChecksum
{
    /// <summary>Bytes of a frame's start that hold every header this reads.</summary>
    public const int HeaderWindow = 256;

    private const ushort EtherTypeIPv4 = 0x0800;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;

    /// <summary>
    /// Finds the L4 header of an IPv4 or IPv6 TCP or UDP frame. <paramref name="frame"/> is the
    /// frame's start (at least the headers; <see cref="HeaderWindow"/> bytes always do).
    /// </summary>
    /// <param name="frame">The frame from its Ethernet header on.</param>
    /// <param name="checksumStart">Where checksumming starts: the L4 header's offset in the frame.</param>
    /// <param name="checksumOffset">Where the checksum field is, from <paramref name="checksumStart"/>: 16 for TCP, 6 for UDP.</param>
    /// <param name="headerLength">Ethernet, IP and L4 headers together.</param>
    /// <param name="isTcp">The L4 protocol is TCP.</param>
    /// <returns>False for anything else, or a frame cut short inside its headers.</returns>
    public static bool TryLocate(ReadOnlySpan<byte> frame, out ushort checksumStart, out ushort checksumOffset, out ushort headerLength, out bool isTcp)
    {
        checksumStart = checksumOffset = headerLength = 0;
        isTcp = false;
        if (frame.Length < 14)
        {
            return false;
        }

        var at = 12;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        for (var tags = 0; (etherType == EtherTypeVlan || etherType == EtherTypeQinQ) && tags < 2; tags++)
        {
            at += 4;
            if (frame.Length < at + 2)
            {
                return false;
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        }

        at += 2;
        byte protocol;
        if (etherType == EtherTypeIPv4)
        {
            if (frame.Length < at + 20 || frame[at] >> 4 != 4)
            {
                return false;
            }

            var ihl = (frame[at] & 0xF) * 4;
            if (ihl < 20)
            {
                return false;
            }

            protocol = frame[at + 9];
            at += ihl;
        }
        else if (etherType == EtherTypeIPv6)
        {
            if (frame.Length < at + 40 || frame[at] >> 4 != 6)
            {
                return false;
            }

            protocol = frame[at + 6];
            at += 40;
            for (var extensions = 0; protocol is 0 or 43 or 60 && extensions < 8; extensions++)
            {
                if (frame.Length < at + 8)
                {
                    return false;
                }

                protocol = frame[at];
                at += (frame[at + 1] + 1) * 8;
            }
        }
        else
        {
            return false;
        }

        int length;
        if (protocol == ProtocolTcp)
        {
            if (frame.Length < at + 20)
            {
                return false;
            }

            length = (frame[at + 12] >> 4) * 4;
            checksumOffset = 16;
            isTcp = true;
        }
        else if (protocol == ProtocolUdp)
        {
            length = 8;
            checksumOffset = 6;
        }
        else
        {
            return false;
        }

        if (at + length > ushort.MaxValue || length < 8)
        {
            return false;
        }

        checksumStart = (ushort)at;
        headerLength = (ushort)(at + length);
        return true;
    }

    /// <summary>
    /// The vnet header for a frame with these offloads: all zero without them; NEEDS_CSUM with the
    /// checksum's place for a blank checksum; and the GSO type, size and header length for GSO
    /// (which always needs a partial checksum). False when the frame's headers do not allow it (a
    /// blank checksum that is not TCP or UDP, GSO of a frame that is not TCP).
    /// </summary>
    public static bool TryCreateHeader(ReadOnlySpan<byte> frame, bool checksumBlank, VirtioNetGsoType gso, ushort gsoSize, out VirtioNetHeader header)
    {
        header = default;
        if (!checksumBlank && gso == VirtioNetGsoType.None)
        {
            return true;
        }

        if (!TryLocate(frame, out var start, out var offset, out var headerLength, out var isTcp) || (gso != VirtioNetGsoType.None && (!isTcp || gsoSize == 0)))
        {
            return false;
        }

        header.Flags = VirtioNetHeaderFlags.NeedsChecksum;
        header.ChecksumStart = start;
        header.ChecksumOffset = offset;
        if (gso != VirtioNetGsoType.None)
        {
            header.GsoType = gso;
            header.GsoSize = gsoSize;
            header.HeaderLength = headerLength;
        }

        return true;
    }
}
