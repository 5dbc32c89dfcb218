namespace ParaIo.Protocol.Net;

/// <summary>The variant of an extra-info slot (Xen <c>XEN_NETIF_EXTRA_TYPE_*</c>).</summary>
public enum NetifExtraType : byte
{
    /// <summary>Never valid in a slot.</summary>
    None = 0,

    /// <summary>Generic segmentation offload: <see cref="NetifExtraInfo.GsoType"/> and <see cref="NetifExtraInfo.GsoSize"/>.</summary>
    Gso = 1,

    /// <summary>Add a multicast filter (not served by ParaIo; ignored).</summary>
    MulticastAdd = 2,

    /// <summary>Remove a multicast filter (not served by ParaIo; ignored).</summary>
    MulticastDelete = 3,

    /// <summary>A packet hash (not served by ParaIo; ignored).</summary>
    Hash = 4,

    /// <summary>XDP headroom (not served by ParaIo; ignored).</summary>
    Xdp = 5,
}
