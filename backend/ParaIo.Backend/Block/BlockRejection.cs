namespace ParaIo.Backend.Block;

/// <summary>
/// Why BlkBack answered a request without doing it. Each reason has its own counter on the
/// device; the guest sees <c>BLKIF_RSP_ERROR</c> or <c>BLKIF_RSP_EOPNOTSUPP</c> and the device
/// carries on.
/// </summary>
public enum BlockRejection
{
    /// <summary>READ/WRITE with 0 or more than 11 segments, or a FLUSH with more than 11 (ERROR).</summary>
    SegmentCount,

    /// <summary>A segment whose <c>first_sect ≤ last_sect ≤ 7</c> does not hold (ERROR).</summary>
    SegmentSectors,

    /// <summary>The sectors run past the end of the disk (ERROR).</summary>
    OutOfRange,

    /// <summary>A write, write-carrying FLUSH or DISCARD to a read-only disk (ERROR).</summary>
    ReadOnly,

    /// <summary>The start or length is not a whole number of the LUN's logical sectors (ERROR).</summary>
    Misaligned,

    /// <summary>WRITE_BARRIER, RESERVED_1 or an operation Xen does not define (EOPNOTSUPP).</summary>
    UnknownOperation,

    /// <summary>FLUSH_DISKCACHE, which this device does not advertise (EOPNOTSUPP).</summary>
    FlushNotSupported,

    /// <summary>DISCARD on a LUN that cannot discard (EOPNOTSUPP).</summary>
    DiscardNotSupported,

    /// <summary>DISCARD with BLKIF_DISCARD_SECURE, which ParaIo never advertises (EOPNOTSUPP).</summary>
    SecureDiscardNotSupported,

    /// <summary>INDIRECT while <c>feature-max-indirect-segments</c> is not advertised (EOPNOTSUPP).</summary>
    IndirectNotSupported,

    /// <summary>INDIRECT whose <c>indirect_op</c> is neither READ nor WRITE (ERROR).</summary>
    IndirectOperation,

    /// <summary>INDIRECT with 0 segments or more than the advertised maximum (ERROR).</summary>
    IndirectSegmentCount,
}
