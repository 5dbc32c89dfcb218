using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// A DISCARD request (Xen <c>struct blkif_request_discard</c>, x86_64 layout), read from a
/// <see cref="BlkifRequest"/> slot whose operation is <see cref="BlkifOperation.Discard"/>.
/// </summary>
/// <remarks>
/// <code>
///  +0   u8   operation       BLKIF_OP_DISCARD (5)
///  +1   u8   flag            BLKIF_DISCARD_SECURE (1) or 0
///  +2   u16  handle
///  +4   (4 bytes padding)
///  +8   u64  id
///  +16  u64  sector_number   first sector to discard
///  +24  u64  nr_sectors      sectors to discard
///       = 32 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = BlkifProtocol.DiscardRequestSize)]
public struct BlkifDiscardRequest
{
    /// <summary>Always <see cref="BlkifOperation.Discard"/>.</summary>
    [FieldOffset(0)]
    public BlkifOperation Operation;

    /// <summary><see cref="BlkifProtocol.DiscardSecure"/> or 0.</summary>
    [FieldOffset(1)]
    public byte Flag;

    /// <summary>The virtual device handle.</summary>
    [FieldOffset(2)]
    public ushort Handle;

    /// <summary>The frontend's cookie, echoed in the response.</summary>
    [FieldOffset(8)]
    public ulong Id;

    /// <summary>First sector to discard.</summary>
    [FieldOffset(16)]
    public ulong SectorNumber;

    /// <summary>Number of sectors to discard.</summary>
    [FieldOffset(24)]
    public ulong SectorCount;
}
