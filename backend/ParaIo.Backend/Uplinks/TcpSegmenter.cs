using System.Buffers.Binary;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// Cuts a TCP GSO frame (a TSO super-frame of up to 64 KiB) into the frames a NIC would have put on
/// the wire: each carries a copy of the Ethernet, IP and TCP headers and at most
/// <c>gso_size</c> payload bytes, with the IP length, the IPv4 identification (one more each
/// segment) and header checksum, the TCP sequence number and the TCP checksum made right, FIN and
/// PSH only on the last segment and CWR only on the first (as Linux's <c>tcp_gso_segment</c> does).
/// </summary>
/// <remarks>Works on a private copy of the frame; nothing it reads can change under it.</remarks>
public ref struct TcpSegmenter
{
    /// <summary>
    /// The smallest segment size accepted: Linux's smallest TCP MSS (<c>net.ipv4.tcp_min_snd_mss</c>).
    /// A smaller one would turn one frame into thousands of datagrams.
    /// </summary>
    public const int MinimumSegmentSize = 48;

    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;
    private const int TcpFlagsOffset = 13;

    private readonly ReadOnlySpan<byte> _frame;
    private readonly IpFrameHeaders _headers;
    private readonly int _segmentSize;
    private readonly uint _sequence;
    private readonly ushort _identification;
    private int _next;

    private TcpSegmenter(ReadOnlySpan<byte> frame, IpFrameHeaders headers, int segmentSize)
    {
        _frame = frame;
        _headers = headers;
        _segmentSize = segmentSize;
        _sequence = BinaryPrimitives.ReadUInt32BigEndian(frame[(headers.TransportOffset + 4)..]);
        _identification = headers.IsIPv6 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(frame[(headers.NetworkOffset + 4)..]);
        var payload = frame.Length - headers.HeaderLength;
        SegmentCount = payload == 0 ? 1 : (payload + segmentSize - 1) / segmentSize;
    }

    /// <summary>How many frames the GSO frame becomes.</summary>
    public readonly int SegmentCount { get; }

    /// <summary>The longest frame <see cref="TryWriteNext"/> writes: the headers and one full segment.</summary>
    public readonly int MaxSegmentLength => _headers.HeaderLength + _segmentSize;

    /// <summary>
    /// Prepares to segment <paramref name="frame"/>, a GSO frame of kind <paramref name="gso"/>
    /// with segment size <paramref name="segmentSize"/>. False when it cannot be: not TCP over the
    /// IP version <paramref name="gso"/> names, headers cut short, or a segment size below
    /// <see cref="MinimumSegmentSize"/>.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> frame, FrameGso gso, int segmentSize, out TcpSegmenter segmenter)
    {
        segmenter = default;
        if (gso == FrameGso.None || segmentSize < MinimumSegmentSize || !IpFrameHeaders.TryParse(frame, out var headers) || !headers.IsTcp || headers.IsIPv6 != (gso == FrameGso.TcpV6))
        {
            return false;
        }

        segmenter = new TcpSegmenter(frame, headers, segmentSize);
        return true;
    }

    /// <summary>
    /// Writes the next segment to the start of <paramref name="destination"/> (at least
    /// <see cref="MaxSegmentLength"/> bytes); false when every segment has been written.
    /// </summary>
    public bool TryWriteNext(Span<byte> destination, out int length)
    {
        length = 0;
        if (_next == SegmentCount)
        {
            return false;
        }

        var index = _next++;
        var headerLength = _headers.HeaderLength;
        var start = headerLength + (index * _segmentSize);
        var payload = Math.Min(_segmentSize, _frame.Length - start);
        length = headerLength + payload;
        _frame[..headerLength].CopyTo(destination);
        _frame.Slice(start, payload).CopyTo(destination[headerLength..]);
        var segment = destination[..length];

        var tcp = _headers.TransportOffset;
        BinaryPrimitives.WriteUInt32BigEndian(segment[(tcp + 4)..], unchecked(_sequence + (uint)(index * _segmentSize)));
        ref var flags = ref segment[tcp + TcpFlagsOffset];
        if (index != SegmentCount - 1)
        {
            flags &= unchecked((byte)~(TcpFin | TcpPsh));
        }

        if (index != 0)
        {
            flags &= unchecked((byte)~TcpCwr);
        }

        if (!_headers.IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[(_headers.NetworkOffset + 4)..], unchecked((ushort)(_identification + index)));
        }

        var transportLength = length - tcp;
        _headers.SetTransportLength(segment, transportLength);
        _headers.UpdateIPv4Checksum(segment);
        _headers.WriteTransportChecksum(segment, transportLength);
        return true;
    }
}
