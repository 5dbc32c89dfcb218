namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// Byte layout of a grant pool: the one shared-memory region (a sealed memfd) that a guest shares
/// with the backend. All offsets are from the start of the region; all integers little-endian.
/// </summary>
/// <remarks>
/// <code>
///  page 0            pool header (written once by the guest before the fd is handed over)
///    +0   u64  magic            "PARAIOGP"
///    +8   u32  version          1
///    +12  u32  page size        4096
///    +16  u32  page count       pages in the whole region
///    +20  u32  grant pages      G: pages of grant table entries
///    +24  u32  event pages      E: pages of event channel ports
///    +28  u32  first data page  1 + G + E
///  pages 1 .. G      grant table, 512 entries a page (see <see cref="GrantEntryLayout"/>)
///  pages G+1 .. G+E  event channel ports, 64 a page, one per 64-byte cache line
///  pages G+E+1 ..    data pages: rings and I/O buffers, the only pages a grant may name
/// </code>
/// The backend reads the header once into a private <see cref="PoolGeometry"/>, checks it against
/// the region's real size and its own limits, and never reads it again.
/// </remarks>
public static class PoolLayout
{
    /// <summary>The page size of the pool, as in Xen on x86.</summary>
    public const int PageSize = 4096;

    /// <summary>log2 of <see cref="PageSize"/>.</summary>
    public const int PageShift = 12;

    /// <summary>"PARAIOGP" read as a little-endian u64.</summary>
    public const ulong Magic = 0x5047_4F49_4152_4150;

    /// <summary>The layout version this code reads and writes.</summary>
    public const uint Version = 1;

    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int PageSizeOffset = 12;
    public const int PageCountOffset = 16;
    public const int GrantPagesOffset = 20;
    public const int EventPagesOffset = 24;
    public const int FirstDataPageOffset = 28;

    /// <summary>Largest pool the backend maps: 1 GiB.</summary>
    public const int MaxPages = 1 << 18;

    /// <summary>Largest grant table: 64 pages, 32768 entries.</summary>
    public const int MaxGrantPages = 64;

    /// <summary>Largest event channel area: 4 pages, 256 ports.</summary>
    public const int MaxEventPages = 4;
}

/// <summary>
/// Layout of one grant table entry, Xen's <c>grant_entry_v1</c>:
/// <code>
///  +0 u16 flags   GTF_* (<see cref="GrantFlags"/>); the guest publishes, the backend sets busy bits
///  +2 u16 domid   the domain allowed to map the page
///  +4 u32 page    pool page number (Xen: frame)
/// </code>
/// flags and domid form one 32-bit word so both sides can update them with one compare-exchange.
/// </summary>
public static class GrantEntryLayout
{
    public const int Size = 8;
    public const int FlagsAndDomainOffset = 0;
    public const int PageOffset = 4;
    public const int EntriesPerPage = PoolLayout.PageSize / Size;
}
