using System.Runtime.CompilerServices;

namespace ParaIo.Protocol.Block;

/// <summary>
/// What both ends of a virtual block device (<c>vbd</c>) agree on, taken from Xen's
/// <c>io/blkif.h</c>: sizes, limits and the reinterpretations of a request slot.
/// </summary>
/// <remarks>
/// Sectors on the wire are always 512 bytes (ParaIo does not negotiate
/// <c>feature-large-sector-size</c>); a segment is a 4 KiB page holding 8 of them.
/// </remarks>
public static class BlkifProtocol
{
    /// <summary>The device type in store paths.</summary>
    public const string DeviceType = "vbd";

    /// <summary>Bytes in a protocol sector.</summary>
    public const int SectorSize = 512;

    /// <summary>log2 of <see cref="SectorSize"/>.</summary>
    public const int SectorShift = 9;

    /// <summary>Bytes in a data page (Xen's <c>XEN_PAGE_SIZE</c>).</summary>
    public const int PageSize = 4096;

    /// <summary>Sectors in a page: the bound on <c>last_sect</c> is this minus one.</summary>
    public const int SectorsPerPage = PageSize / SectorSize;

    /// <summary>Segments a direct request carries (<c>BLKIF_MAX_SEGMENTS_PER_REQUEST</c>).</summary>
    public const int MaxSegmentsPerRequest = 11;

    /// <summary>Grant slots of an indirect request (<c>BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST</c>).</summary>
    public const int MaxIndirectPagesPerRequest = 8;

    /// <summary>Segments one indirect page holds: <c>PAGE_SIZE / sizeof(struct blkif_request_segment)</c>.</summary>
    public const int SegmentsPerIndirectPage = PageSize / SegmentSize;

    /// <summary>The most segments an indirect request can name at all (8 pages of 512).</summary>
    public const int MaxIndirectSegments = MaxIndirectPagesPerRequest * SegmentsPerIndirectPage;

    /// <summary>The DISCARD flag asking that the data be made unrecoverable (<c>BLKIF_DISCARD_SECURE</c>).</summary>
    public const byte DiscardSecure = 1;

    /// <summary><c>sizeof(struct blkif_request_segment)</c>.</summary>
    public const int SegmentSize = 8;

    /// <summary><c>sizeof(struct blkif_request)</c> on x86_64, and so the ring's slot size.</summary>
    public const int RequestSize = 112;

    /// <summary><c>sizeof(struct blkif_request_discard)</c> on x86_64.</summary>
    public const int DiscardRequestSize = 32;

    /// <summary><c>sizeof(struct blkif_request_indirect)</c> on x86_64.</summary>
    public const int IndirectRequestSize = 64;

    /// <summary><c>sizeof(struct blkif_response)</c> on x86_64.</summary>
    public const int ResponseSize = 16;

    /// <summary>Views a request slot as a DISCARD request.</summary>
    public static ref BlkifDiscardRequest AsDiscard(ref BlkifRequest request) =>
        ref Unsafe.As<BlkifRequest, BlkifDiscardRequest>(ref request);

    /// <summary>Views a request slot as an INDIRECT request.</summary>
    public static ref BlkifIndirectRequest AsIndirect(ref BlkifRequest request) =>
        ref Unsafe.As<BlkifRequest, BlkifIndirectRequest>(ref request);

    /// <summary>Number of indirect pages that <paramref name="segments"/> segments occupy.</summary>
    public static int IndirectPagesFor(int segments) => (segments + SegmentsPerIndirectPage - 1) / SegmentsPerIndirectPage;
}
