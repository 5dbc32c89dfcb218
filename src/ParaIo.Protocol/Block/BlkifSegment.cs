using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// One page of a blkif transfer (Xen <c>struct blkif_request_segment</c>): a grant and the
/// inclusive range of 512-byte sectors within that page.
/// </summary>
/// <remarks>
/// <code>
///  +0  u32 gref        grant of the data page
///  +4  u8  first_sect  first sector in the page, inclusive (0..7)
///  +5  u8  last_sect   last sector in the page, inclusive (first_sect..7)
///  +6  u16 (padding)   C pads the struct to its 4-byte alignment
///      = 8 bytes; an indirect page holds 4096 / 8 = 512 of them
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = BlkifProtocol.SegmentSize)]
public struct BlkifSegment
{
    /// <summary>Grant reference of the data page.</summary>
    [FieldOffset(0)]
    public uint Gref;

    /// <summary>First sector of the page to transfer, inclusive.</summary>
    [FieldOffset(4)]
    public byte FirstSector;

    /// <summary>Last sector of the page to transfer, inclusive.</summary>
    [FieldOffset(5)]
    public byte LastSector;

    /// <summary>Creates a segment.</summary>
    public BlkifSegment(uint gref, byte firstSector, byte lastSector)
    {
        Gref = gref;
        FirstSector = firstSector;
        LastSector = lastSector;
    }

    /// <summary>Sectors the segment covers, for a segment whose range is valid.</summary>
    public readonly int SectorCount => LastSector - FirstSector + 1;

    /// <summary>True when <c>first_sect ≤ last_sect ≤ 7</c>, the only ranges a 4 KiB page holds.</summary>
    public readonly bool IsWellFormed => FirstSector <= LastSector && LastSector < BlkifProtocol.SectorsPerPage;
}
