using System.Buffers.Binary;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// Where the IP and TCP/UDP headers of an Ethernet frame sit, as the software offloads of an
/// uplink need them: Ethernet with up to two 802.1Q/802.1ad tags, IPv4 (not a fragment) or IPv6
/// (hop-by-hop, routing and destination options skipped), then TCP or UDP. The L4 header is found
/// as <see cref="PartialChecksum"/> finds it for a TAP.
/// </summary>
/// <param name="NetworkOffset">Where the IP header starts.</param>
/// <param name="IsIPv6">IPv6 rather than IPv4.</param>
/// <param name="TransportOffset">Where the TCP or UDP header starts.</param>
/// <param name="IsTcp">TCP rather than UDP.</param>
/// <param name="HeaderLength">Ethernet, IP and L4 headers together: where the L4 payload starts.</param>
/// <param name="ChecksumOffset">Where the L4 checksum field is, from the frame's start.</param>
public readonly record struct IpFrameHeaders(int NetworkOffset, bool IsIPv6, int TransportOffset, bool IsTcp, int HeaderLength, int ChecksumOffset)
{
    private const int IPv6Header = 40;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort IPv4MoreFragments = 0x2000;
    private const ushort IPv4FragmentOffsetMask = 0x1FFF;

    /// <summary>Finds the headers of <paramref name="frame"/>; false when it is not TCP or UDP over unfragmented IP, or is cut short inside its headers.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out IpFrameHeaders headers)
    {
        headers = default;
        if (!PartialChecksum.TryLocate(frame, out var transport, out var checksum, out var headerLength, out var isTcp) || headerLength > frame.Length)
        {
            return false;
        }

        // The tags PartialChecksum stepped over: the IP header follows them.
        var network = 12;
        for (var tags = 0; tags < 2 && BinaryPrimitives.ReadUInt16BigEndian(frame[network..]) is EtherTypeVlan or EtherTypeQinQ; tags++)
        {
            network += 4;
        }

        network += 2;
        var isIPv6 = frame[network] >> 4 == 6;
        if (!isIPv6 && (BinaryPrimitives.ReadUInt16BigEndian(frame[(network + 6)..]) & (IPv4MoreFragments | IPv4FragmentOffsetMask)) != 0)
        {
            // A fragment's L4 checksum covers bytes in other fragments; nothing here can finish it.
            return false;
        }

        headers = new IpFrameHeaders(network, isIPv6, transport, isTcp, headerLength, transport + checksum);
        return true;
    }

    /// <summary>
    /// The length of the TCP or UDP segment as the IP header gives it (so Ethernet padding is left
    /// out), or -1 when the IP header claims more bytes than <paramref name="frame"/> holds or fewer
    /// than the L4 header.
    /// </summary>
    public int TransportLength(ReadOnlySpan<byte> frame)
    {
        var ipLength = IsIPv6
            ? IPv6Header + BinaryPrimitives.ReadUInt16BigEndian(frame[(NetworkOffset + 4)..])
            : BinaryPrimitives.ReadUInt16BigEndian(frame[(NetworkOffset + 2)..]);
        var length = NetworkOffset + ipLength - TransportOffset;
        return NetworkOffset + ipLength <= frame.Length && TransportOffset + length >= HeaderLength ? length : -1;
    }

    /// <summary>The sum of the pseudo-header (RFC 793 section 3.1, RFC 8200 section 8.1) for an L4 segment of <paramref name="transportLength"/> bytes.</summary>
    public ulong PseudoHeaderSum(ReadOnlySpan<byte> frame, int transportLength)
    {
        var protocol = IsTcp ? 6u : 17u;
        return IsIPv6
            ? InternetChecksum.Add((uint)transportLength + protocol, frame.Slice(NetworkOffset + 8, 32))
            : InternetChecksum.Add((uint)transportLength + protocol, frame.Slice(NetworkOffset + 12, 8));
    }

    /// <summary>Sets the IPv4 header's checksum (no-op for IPv6, which has none).</summary>
    public void UpdateIPv4Checksum(Span<byte> frame)
    {
        if (IsIPv6)
        {
            return;
        }

        var header = frame.Slice(NetworkOffset, (frame[NetworkOffset] & 0xF) * 4);
        header[10] = header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }

    /// <summary>Sets the IP header's length field for an L4 segment of <paramref name="transportLength"/> bytes.</summary>
    public void SetTransportLength(Span<byte> frame, int transportLength)
    {
        var ipLength = TransportOffset - NetworkOffset + transportLength;
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[(NetworkOffset + 4)..], (ushort)(ipLength - IPv6Header));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[(NetworkOffset + 2)..], (ushort)ipLength);
        }
    }

    /// <summary>Computes the L4 checksum of the <paramref name="transportLength"/> bytes at <see cref="TransportOffset"/> from scratch and stores it.</summary>
    public void WriteTransportChecksum(Span<byte> frame, int transportLength)
    {
        frame[ChecksumOffset] = frame[ChecksumOffset + 1] = 0;
        var sum = InternetChecksum.Add(PseudoHeaderSum(frame, transportLength), frame.Slice(TransportOffset, transportLength));
        var checksum = InternetChecksum.Complement(sum);

        // A UDP checksum that computes to zero is sent as all ones: zero means "none" (RFC 768, RFC 8200 section 8.1).
        BinaryPrimitives.WriteUInt16BigEndian(frame[ChecksumOffset..], checksum == 0 && !IsTcp ? (ushort)0xFFFF : checksum);
    }
}
