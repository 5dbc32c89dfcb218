using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// A netif receive response (Xen <c>struct netif_rx_response</c>): one filled buffer of a received
/// frame. An extra-info slot (<see cref="NetifExtraInfo"/>) takes the place of a response when the
/// previous response carries <see cref="NetRxFlags.ExtraInfo"/>.
/// </summary>
/// <remarks>
/// <code>
///  +0   u16  id       the id of the rx request whose page was filled
///  +2   u16  offset   where the data starts in the page
///  +4   u16  flags    NETRXF_* (<see cref="NetRxFlags"/>)
///  +6   i16  status   &gt; 0: bytes in this slot; ≤ 0: NETIF_RSP_*
///       = 8 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = NetifProtocol.RxResponseSize)]
public struct NetifRxResponse
{
    /// <summary>The posted buffer's cookie.</summary>
    [FieldOffset(0)]
    public ushort Id;

    /// <summary>Offset of the data in the page.</summary>
    [FieldOffset(2)]
    public ushort Offset;

    /// <summary>NETRXF_* flags.</summary>
    [FieldOffset(4)]
    public NetRxFlags Flags;

    /// <summary>Bytes in this slot when positive; an error (<see cref="NetifStatus"/>) otherwise.</summary>
    [FieldOffset(6)]
    public short Status;
}
