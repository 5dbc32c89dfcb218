using System.Runtime.CompilerServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// What both ends of a virtual network interface (<c>vif</c>) agree on, taken from Xen's
/// <c>io/netif.h</c> and Linux's netback: sizes, limits and the reinterpretations of a slot.
/// </summary>
public static class NetifProtocol
{
    /// <summary>The device type in store paths.</summary>
    public const string DeviceType = "vif";

    /// <summary>Bytes in a data page (<c>XEN_PAGE_SIZE</c>).</summary>
    public const int PageSize = 4096;

    /// <summary><c>sizeof(struct netif_tx_request)</c>, and so the tx ring's slot size.</summary>
    public const int TxRequestSize = 12;

    /// <summary><c>sizeof(struct netif_tx_response)</c>.</summary>
    public const int TxResponseSize = 4;

    /// <summary><c>sizeof(struct netif_rx_request)</c>.</summary>
    public const int RxRequestSize = 8;

    /// <summary><c>sizeof(struct netif_rx_response)</c>, and with the request the rx ring's slot size.</summary>
    public const int RxResponseSize = 8;

    /// <summary><c>sizeof(struct netif_extra_info)</c>: fits a tx request slot and an rx response slot.</summary>
    public const int ExtraInfoSize = 8;

    /// <summary><c>XEN_NETIF_EXTRA_FLAG_MORE</c>: another extra-info slot follows.</summary>
    public const byte ExtraFlagMore = 1;

    /// <summary>
    /// Data slots a frame may use (<c>XEN_NETBK_LEGACY_SLOTS_MAX</c>, the historical MAX_SKB_FRAGS):
    /// a frame with more is dropped.
    /// </summary>
    public const int MaxSlots = 18;

    /// <summary>
    /// Data slots beyond which a frontend is taken to be malicious (Linux netback's
    /// <c>fatal_skb_slots</c> default): a frame with more stops the device.
    /// </summary>
    public const int FatalSlots = 20;

    /// <summary>Extra-info slots one frame may carry (one of each type at most).</summary>
    public const int MaxExtraSlots = 5;

    /// <summary>The shortest frame: an Ethernet header (<c>ETH_HLEN</c>).</summary>
    public const int MinFrameSize = 14;

    /// <summary>The longest frame: the first slot's 16-bit size.</summary>
    public const int MaxFrameSize = ushort.MaxValue;

    /// <summary>The default MTU advertised in the <c>mtu</c> key.</summary>
    public const int DefaultMtu = 1500;

    /// <summary>Views a tx request slot as an extra-info slot.</summary>
    public static ref NetifExtraInfo AsExtraInfo(ref NetifTxRequest slot) =>
        ref Unsafe.As<NetifTxRequest, NetifExtraInfo>(ref slot);

    /// <summary>Views an rx response slot as an extra-info slot.</summary>
    public static ref NetifExtraInfo AsExtraInfo(ref NetifRxResponse slot) =>
        ref Unsafe.As<NetifRxResponse, NetifExtraInfo>(ref slot);

    /// <summary>Views an extra-info slot as an rx response, to write it into the rx ring.</summary>
    public static ref NetifRxResponse AsRxResponse(ref NetifExtraInfo extra) =>
        ref Unsafe.As<NetifExtraInfo, NetifRxResponse>(ref extra);

    /// <summary>Data pages (slots) a frame of <paramref name="length"/> bytes fills when copied from offset 0.</summary>
    public static int PagesFor(int length) => (length + PageSize - 1) / PageSize;
}
