using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// A netif receive request (Xen <c>struct netif_rx_request</c>): a whole page the guest posts for
/// the backend to copy a received frame (or a part of one) into.
/// </summary>
/// <remarks>
/// <code>
///  +0   u16  id       echoed in the response that fills this buffer
///  +2   u16  pad
///  +4   u32  gref     grant of the page, writable by the backend
///       = 8 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = NetifProtocol.RxRequestSize)]
public struct NetifRxRequest
{
    /// <summary>The frontend's cookie for this buffer.</summary>
    [FieldOffset(0)]
    public ushort Id;

    /// <summary>The grant of the page.</summary>
    [FieldOffset(4)]
    public uint Gref;
}
