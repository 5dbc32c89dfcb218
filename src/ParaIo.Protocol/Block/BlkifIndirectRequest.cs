using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// An INDIRECT request (Xen <c>struct blkif_request_indirect</c>, x86_64 layout), read from a
/// <see cref="BlkifRequest"/> slot whose operation is <see cref="BlkifOperation.Indirect"/>. The
/// segments live in up to 8 granted pages of 512 <see cref="BlkifSegment"/>s each.
/// </summary>
/// <remarks>
/// <code>
///  +0   u8   operation         BLKIF_OP_INDIRECT (6)
///  +1   u8   indirect_op       BLKIF_OP_READ or BLKIF_OP_WRITE
///  +2   u16  nr_segments       1..feature-max-indirect-segments
///  +4   (4 bytes padding)
///  +8   u64  id
///  +16  u64  sector_number
///  +24  u16  handle
///  +26  (2 bytes padding: the grefs are 4-byte aligned)
///  +28  u32 × 8  indirect_grefs   pages of segments, ceil(nr_segments / 512) of them used
///  +60  (4 bytes padding to the struct's 8-byte alignment)
///       = 64 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = BlkifProtocol.IndirectRequestSize)]
public struct BlkifIndirectRequest
{
    /// <summary>Always <see cref="BlkifOperation.Indirect"/>.</summary>
    [FieldOffset(0)]
    public BlkifOperation Operation;

    /// <summary>The real operation: <see cref="BlkifOperation.Read"/> or <see cref="BlkifOperation.Write"/>.</summary>
    [FieldOffset(1)]
    public BlkifOperation IndirectOperation;

    /// <summary>Number of segments in the indirect pages.</summary>
    [FieldOffset(2)]
    public ushort SegmentCount;

    /// <summary>The frontend's cookie, echoed in the response.</summary>
    [FieldOffset(8)]
    public ulong Id;

    /// <summary>First sector of the transfer.</summary>
    [FieldOffset(16)]
    public ulong SectorNumber;

    /// <summary>The virtual device handle.</summary>
    [FieldOffset(24)]
    public ushort Handle;

    /// <summary>Grants of the pages holding the segments.</summary>
    [FieldOffset(28)]
    public BlkifIndirectGrefArray IndirectGrefs;
}
