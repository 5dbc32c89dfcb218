namespace ParaIo.Protocol.Block;

/// <summary>The <c>status</c> of a blkif response (Xen <c>BLKIF_RSP_*</c>).</summary>
public enum BlkifStatus : short
{
    /// <summary>The request completed (<c>BLKIF_RSP_OKAY</c>).</summary>
    Okay = 0,

    /// <summary>The request was malformed or the I/O failed (<c>BLKIF_RSP_ERROR</c>, Linux's -EIO).</summary>
    Error = -1,

    /// <summary>The backend does not offer this operation or flag (<c>BLKIF_RSP_EOPNOTSUPP</c>).</summary>
    NotSupported = -2,
}
