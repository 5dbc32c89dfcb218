using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// A blkif ring request (Xen <c>struct blkif_request</c>, x86_64 layout): READ, WRITE and
/// FLUSH_DISKCACHE use it as is; DISCARD and INDIRECT reinterpret the same slot
/// (<see cref="BlkifProtocol.AsDiscard"/>, <see cref="BlkifProtocol.AsIndirect"/>). Its size is
/// the ring's slot size.
/// </summary>
/// <remarks>
/// <code>
///  +0   u8   operation       BLKIF_OP_*
///  +1   u8   nr_segments     1..11 for READ/WRITE; 0..11 for FLUSH_DISKCACHE
///  +2   u16  handle          the virtual device; not interpreted by ParaIo
///  +4   (4 bytes padding: id is 8-byte aligned)
///  +8   u64  id              the frontend's cookie, echoed in the response
///  +16  u64  sector_number   first 512-byte sector on the disk
///  +24  segment × 11         8 bytes each (<see cref="BlkifSegment"/>)
///       = 112 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = BlkifProtocol.RequestSize)]
public struct BlkifRequest
{
    /// <summary>The operation (<c>BLKIF_OP_*</c>), kept as the raw byte a frontend wrote.</summary>
    [FieldOffset(0)]
    public BlkifOperation Operation;

    /// <summary>Number of valid entries in <see cref="Segments"/>.</summary>
    [FieldOffset(1)]
    public byte SegmentCount;

    /// <summary>The virtual device handle (<c>blkif_vdev_t</c>).</summary>
    [FieldOffset(2)]
    public ushort Handle;

    /// <summary>The frontend's cookie, echoed in the response.</summary>
    [FieldOffset(8)]
    public ulong Id;

    /// <summary>First 512-byte sector of the transfer on the disk.</summary>
    [FieldOffset(16)]
    public ulong SectorNumber;

    /// <summary>The pages of the transfer, in disk order.</summary>
    [FieldOffset(24)]
    public BlkifSegmentArray Segments;
}
