namespace ParaIo.Protocol.Block;

/// <summary>The <c>operation</c> byte of a blkif request (Xen <c>BLKIF_OP_*</c>).</summary>
public enum BlkifOperation : byte
{
    /// <summary>Read sectors into the granted pages (<c>BLKIF_OP_READ</c>).</summary>
    Read = 0,

    /// <summary>Write sectors from the granted pages (<c>BLKIF_OP_WRITE</c>).</summary>
    Write = 1,

    /// <summary>Xen's ordered write (<c>BLKIF_OP_WRITE_BARRIER</c>); ParaIo does not offer it.</summary>
    WriteBarrier = 2,

    /// <summary>
    /// Make every acknowledged write durable (<c>BLKIF_OP_FLUSH_DISKCACHE</c>); with segments it
    /// also carries a write.
    /// </summary>
    FlushDiskCache = 3,

    /// <summary>Reserved by Xen for a vendor's device-specific packets (<c>BLKIF_OP_RESERVED_1</c>).</summary>
    Reserved1 = 4,

    /// <summary>Forget a range of sectors (<c>BLKIF_OP_DISCARD</c>), in the <see cref="BlkifDiscardRequest"/> layout.</summary>
    Discard = 5,

    /// <summary>
    /// A read or write whose segments live in granted pages rather than in the request
    /// (<c>BLKIF_OP_INDIRECT</c>), in the <see cref="BlkifIndirectRequest"/> layout.
    /// </summary>
    Indirect = 6,
}
