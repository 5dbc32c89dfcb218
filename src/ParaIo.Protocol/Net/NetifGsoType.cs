namespace ParaIo.Protocol.Net;

/// <summary>What a GSO frame is to be segmented as (Xen <c>XEN_NETIF_GSO_TYPE_*</c>).</summary>
public enum NetifGsoType : byte
{
    /// <summary>Not a GSO frame.</summary>
    None = 0,

    /// <summary>TCP over IPv4.</summary>
    TcpV4 = 1,

    /// <summary>TCP over IPv6.</summary>
    TcpV6 = 2,
}
