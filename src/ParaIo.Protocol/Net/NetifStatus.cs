namespace ParaIo.Protocol.Net;

/// <summary>The status of a tx response, or a non-positive rx status (Xen <c>NETIF_RSP_*</c>).</summary>
public enum NetifStatus : short
{
    /// <summary>The frame was taken (whatever the bridge then did with it).</summary>
    Okay = 0,

    /// <summary>The frame was malformed, or a grant was refused: it was dropped.</summary>
    Error = -1,

    /// <summary>The frame was dropped for lack of resources.</summary>
    Dropped = -2,

    /// <summary>The answer to an extra-info slot: no frame of its own.</summary>
    Null = 1,
}
