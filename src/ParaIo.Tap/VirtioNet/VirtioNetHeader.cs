using System.Runtime.InteropServices;

namespace ParaIo.Tap.VirtioNet;

/// <summary>
/// The 12-byte virtio-net header (struct virtio_net_hdr_v1, virtio 1.2 section 5.1.6) that precedes
/// every Ethernet frame read from or written to a <see cref="Devices.TapDevice"/>. Multi-byte
/// fields are little-endian (the device sets TUNSETVNETLE).
/// <code>
///  byte 0        1          2     3     4     5     6       7       8        9        10      11
///      +--------+----------+-----------+-----------+---------------+----------------+---------------+
///      | flags  | gso_type |  hdr_len  | gso_size  |  csum_start   |  csum_offset   |  num_buffers  |
///      +--------+----------+-----------+-----------+---------------+----------------+---------------+
///  flags       NEEDS_CSUM (1): L4 checksum partial, finish it from csum_start, store at +csum_offset
///              DATA_VALID (2): checksums already verified
///  gso_type    NONE (0), TCPV4 (1), UDP (3), TCPV6 (4), UDP_L4 (5), | ECN (0x80)
///  hdr_len     bytes of Ethernet + IP + L4 headers (a hint; the kernel recomputes it)
///  gso_size    payload bytes a segment when gso_type != NONE (the MSS)
///  num_buffers receive buffers a merged frame spans; 0 from and to a TAP (ParaIo never merges)
/// </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct VirtioNetHeader : IEquatable<VirtioNetHeader>
{
    /// <summary>Bytes the header occupies in front of each frame.</summary>
    public const int Size = 12;

    /// <summary>Offset of <c>flags</c>.</summary>
    public const int FlagsOffset = 0;

    /// <summary>Offset of <c>gso_type</c>.</summary>
    public const int GsoTypeOffset = 1;

    /// <summary>Offset of <c>hdr_len</c> (u16).</summary>
    public const int HeaderLengthOffset = 2;

    /// <summary>Offset of <c>gso_size</c> (u16).</summary>
    public const int GsoSizeOffset = 4;

    /// <summary>Offset of <c>csum_start</c> (u16).</summary>
    public const int ChecksumStartOffset = 6;

    /// <summary>Offset of <c>csum_offset</c> (u16).</summary>
    public const int ChecksumOffsetOffset = 8;

    /// <summary>Offset of <c>num_buffers</c> (u16).</summary>
    public const int NumBuffersOffset = 10;

    [FieldOffset(FlagsOffset)]
    private VirtioNetHeaderFlags _flags;

    [FieldOffset(GsoTypeOffset)]
    private VirtioNetGsoType _gsoType;

    [FieldOffset(HeaderLengthOffset)]
    private ushort _headerLength;

    [FieldOffset(GsoSizeOffset)]
    private ushort _gsoSize;

    [FieldOffset(ChecksumStartOffset)]
    private ushort _checksumStart;

    [FieldOffset(ChecksumOffsetOffset)]
    private ushort _checksumOffset;

    [FieldOffset(NumBuffersOffset)]
    private ushort _numBuffers;

    /// <summary>Checksum state of the frame.</summary>
    public VirtioNetHeaderFlags Flags { readonly get => _flags; set => _flags = value; }

    /// <summary>Segmentation the frame still needs; <see cref="VirtioNetGsoType.None"/> for an ordinary frame.</summary>
    public VirtioNetGsoType GsoType { readonly get => _gsoType; set => _gsoType = value; }

    /// <summary>Length of the Ethernet, IP and L4 headers together (a hint).</summary>
    public ushort HeaderLength { readonly get => _headerLength; set => _headerLength = value; }

    /// <summary>Payload bytes a segment (the MSS) when <see cref="GsoType"/> is not None.</summary>
    public ushort GsoSize { readonly get => _gsoSize; set => _gsoSize = value; }

    /// <summary>Offset from the start of the Ethernet frame where checksumming starts (the L4 header).</summary>
    public ushort ChecksumStart { readonly get => _checksumStart; set => _checksumStart = value; }

    /// <summary>Offset from <see cref="ChecksumStart"/> where the finished checksum goes (16 for TCP, 6 for UDP).</summary>
    public ushort ChecksumOffset { readonly get => _checksumOffset; set => _checksumOffset = value; }

    /// <summary>Receive buffers a merged frame spans; ParaIo writes 0 and ignores it on read.</summary>
    public ushort NumBuffers { readonly get => _numBuffers; set => _numBuffers = value; }

    /// <summary>True when the frame is a GSO super-frame (larger than the MTU, to be segmented).</summary>
    public readonly bool IsGso => (_gsoType & ~VirtioNetGsoType.Ecn) != VirtioNetGsoType.None;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source)
    {
        ThrowIfLittleEndianIsNotNative();
        return MemoryMarshal.Read<VirtioNetHeader>(source);
    }

    /// <summary>Writes this header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public readonly void Write(Span<byte> destination)
    {
        ThrowIfLittleEndianIsNotNative();
        var copy = this;
        MemoryMarshal.Write(destination, in copy);
    }

    /// <inheritdoc/>
    public readonly bool Equals(VirtioNetHeader other) =>
        _flags == other._flags && _gsoType == other._gsoType && _headerLength == other._headerLength &&
        _gsoSize == other._gsoSize && _checksumStart == other._checksumStart &&
        _checksumOffset == other._checksumOffset && _numBuffers == other._numBuffers;

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is VirtioNetHeader other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() =>
        HashCode.Combine(_flags, _gsoType, _headerLength, _gsoSize, _checksumStart, _checksumOffset, _numBuffers);

    /// <inheritdoc/>
    public override readonly string ToString() =>
        $"flags={_flags} gso={_gsoType} hdr_len={_headerLength} gso_size={_gsoSize} csum_start={_checksumStart} csum_offset={_checksumOffset}";

    /// <summary>Compares two headers field by field.</summary>
    public static bool operator ==(VirtioNetHeader left, VirtioNetHeader right) => left.Equals(right);

    /// <summary>Compares two headers field by field.</summary>
    public static bool operator !=(VirtioNetHeader left, VirtioNetHeader right) => !left.Equals(right);

    // The fields are laid over memory as they are; ParaIo runs on x86_64 and arm64, both little-endian.
    private static void ThrowIfLittleEndianIsNotNative()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The virtio-net header is read in place and needs a little-endian host.");
        }
    }
}
