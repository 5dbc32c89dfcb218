using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// A blkif ring response (Xen <c>struct blkif_response</c>, x86_64 layout). It is written into
/// the slot of some request, not necessarily the one it answers: <see cref="Id"/> says which.
/// </summary>
/// <remarks>
/// <code>
///  +0   u64  id         copied from the request
///  +8   u8   operation  the request's operation (for INDIRECT: its indirect_op)
///  +9   (1 byte padding)
///  +10  i16  status     BLKIF_RSP_*
///  +12  (4 bytes padding to the 8-byte alignment)
///       = 16 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = BlkifProtocol.ResponseSize)]
public struct BlkifResponse
{
    /// <summary>The request's cookie.</summary>
    [FieldOffset(0)]
    public ulong Id;

    /// <summary>The operation answered.</summary>
    [FieldOffset(8)]
    public BlkifOperation Operation;

    /// <summary>The outcome.</summary>
    [FieldOffset(10)]
    public BlkifStatus Status;
}
