namespace ParaIo.Backend.Block;

/// <summary>What a validated request asks of the LUN.</summary>
internal enum BlockWork
{
    /// <summary>Nothing yet (a pooled request between uses).</summary>
    None,

    /// <summary>Read into the mapped pages.</summary>
    Read,

    /// <summary>Write from the mapped pages.</summary>
    Write,

    /// <summary>FLUSH_DISKCACHE without segments: wait for earlier writes, then fsync.</summary>
    Flush,

    /// <summary>FLUSH_DISKCACHE with segments: wait for earlier writes, write, then fsync.</summary>
    WriteAndFlush,

    /// <summary>Discard a range.</summary>
    Discard,
}
