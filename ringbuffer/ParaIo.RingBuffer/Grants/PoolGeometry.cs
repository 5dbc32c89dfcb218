namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// The shape of a grant pool, held in private memory. The guest chooses it; the backend reads it
/// once from the pool header and checks it before use.
/// </summary>
/// <param name="PageCount">Pages in the whole region.</param>
/// <param name="GrantPages">Pages holding grant table entries.</param>
/// <param name="EventPages">Pages holding event channel ports.</param>
public readonly record struct PoolGeometry(int PageCount, int GrantPages, int EventPages)
{
    /// <summary>The first page a grant may name; pages before it hold the pool's own metadata.</summary>
    public int FirstDataPage => 1 + GrantPages + EventPages;

    /// <summary>Number of grant references the table holds.</summary>
    public int GrantEntries => GrantPages * GrantEntryLayout.EntriesPerPage;

    /// <summary>Number of event channel ports.</summary>
    public int EventPorts => EventPages * EventChannelLayoutConstants.PortsPerPage;

    /// <summary>Pages available for rings and buffers.</summary>
    public int DataPages => PageCount - FirstDataPage;

    /// <summary>Size of the region in bytes.</summary>
    public long ByteLength => (long)PageCount * PoolLayout.PageSize;

    /// <summary>Returns a reason the geometry is unusable, or null when it is within every limit.</summary>
    public string? Validate()
    {
        if (GrantPages is < 1 or > PoolLayout.MaxGrantPages)
        {
            return $"grant table of {GrantPages} pages is outside 1..{PoolLayout.MaxGrantPages}";
        }

        if (EventPages is < 1 or > PoolLayout.MaxEventPages)
        {
            return $"event channel area of {EventPages} pages is outside 1..{PoolLayout.MaxEventPages}";
        }

        if (PageCount > PoolLayout.MaxPages)
        {
            return $"pool of {PageCount} pages is larger than the limit of {PoolLayout.MaxPages}";
        }

        if (PageCount <= FirstDataPage)
        {
            return $"pool of {PageCount} pages leaves no data pages after {FirstDataPage} metadata pages";
        }

        return null;
    }
}

/// <summary>Constants of the event channel area that the pool geometry needs.</summary>
internal static class EventChannelLayoutConstants
{
    public const int PortsPerPage = PoolLayout.PageSize / Events.EventChannelLayout.PortStride;
}
