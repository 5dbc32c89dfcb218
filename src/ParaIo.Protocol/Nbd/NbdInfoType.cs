namespace ParaIo.Protocol.Nbd;

/// <summary>
/// Information items (<c>NBD_INFO_*</c>) a client asks for in NBD_OPT_INFO and NBD_OPT_GO and the
/// server sends back, each in its own NBD_REP_INFO whose data starts with this type.
/// </summary>
public enum NbdInfoType : ushort
{
    /// <summary><c>NBD_INFO_EXPORT</c>: the export's size (u64) and transmission flags (u16); always sent.</summary>
    Export = 0,

    /// <summary><c>NBD_INFO_NAME</c>: the export's canonical name.</summary>
    Name = 1,

    /// <summary><c>NBD_INFO_DESCRIPTION</c>: a description of the export for people.</summary>
    Description = 2,

    /// <summary><c>NBD_INFO_BLOCK_SIZE</c>: the minimum and preferred block sizes and the largest payload (u32 each).</summary>
    BlockSize = 3,
}
