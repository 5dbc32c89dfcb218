using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// A netif transmit request (Xen <c>struct netif_tx_request</c>): one slot of a frame the guest
/// sends, naming the granted page that holds it.
/// </summary>
/// <remarks>
/// <code>
///  +0   u32  gref     grant of the page holding this slot's bytes
///  +4   u16  offset   where they start in the page
///  +6   u16  flags    NETTXF_* (<see cref="NetTxFlags"/>)
///  +8   u16  id       echoed in the response
///  +10  u16  size     first slot: the whole frame's length; later slots: this slot's length
///       = 12 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = NetifProtocol.TxRequestSize)]
public struct NetifTxRequest
{
    /// <summary>The grant of the page holding the data.</summary>
    [FieldOffset(0)]
    public uint Gref;

    /// <summary>Offset of the data in the page.</summary>
    [FieldOffset(4)]
    public ushort Offset;

    /// <summary>NETTXF_* flags.</summary>
    [FieldOffset(6)]
    public NetTxFlags Flags;

    /// <summary>The frontend's cookie, echoed in the response.</summary>
    [FieldOffset(8)]
    public ushort Id;

    /// <summary>The frame's total length in its first slot; the slot's own length in the others.</summary>
    [FieldOffset(10)]
    public ushort Size;
}
