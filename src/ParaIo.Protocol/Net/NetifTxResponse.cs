using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// A netif transmit response (Xen <c>struct netif_tx_response</c>): one per request slot, in the
/// order the slots were taken; an extra-info slot is answered <see cref="NetifStatus.Null"/>.
/// </summary>
/// <remarks>
/// <code>
///  +0   u16  id       the request's id
///  +2   i16  status   NETIF_RSP_*
///       = 4 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = NetifProtocol.TxResponseSize)]
public struct NetifTxResponse
{
    /// <summary>The request's cookie.</summary>
    [FieldOffset(0)]
    public ushort Id;

    /// <summary>The outcome.</summary>
    [FieldOffset(2)]
    public NetifStatus Status;
}
