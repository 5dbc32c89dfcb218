namespace ParaIo.Protocol.Block;

/// <summary>
/// Store keys of a virtual block device, as Xen's <c>io/blkif.h</c> names them. Backend keys
/// live in the backend directory, frontend keys in the frontend directory; all values are
/// decimal text. Ring and event channel keys are the generic ones in <c>XenbusPaths</c>.
/// </summary>
public static class BlockKeys
{
    /// <summary>Backend, 0/1: FLUSH_DISKCACHE is served.</summary>
    public const string FeatureFlushCache = "feature-flush-cache";

    /// <summary>Backend, 0/1: WRITE_BARRIER is served (ParaIo: never).</summary>
    public const string FeatureBarrier = "feature-barrier";

    /// <summary>Backend, 0/1: DISCARD is served.</summary>
    public const string FeatureDiscard = "feature-discard";

    /// <summary>Backend, bytes: the size of a discardable extent.</summary>
    public const string DiscardGranularity = "discard-granularity";

    /// <summary>Backend, bytes: the offset of the first discardable extent.</summary>
    public const string DiscardAlignment = "discard-alignment";

    /// <summary>Backend, 0/1: DISCARD with <see cref="BlkifProtocol.DiscardSecure"/> is served.</summary>
    public const string DiscardSecure = "discard-secure";

    /// <summary>
    /// Backend and frontend, 0/1: the end keeps grants mapped (backend) or reuses the same grants
    /// (frontend) across requests.
    /// </summary>
    public const string FeaturePersistent = "feature-persistent";

    /// <summary>
    /// Backend: the most segments an INDIRECT request may carry. Absent when INDIRECT is not
    /// served (Xen: a backend without it must not create the key).
    /// </summary>
    public const string FeatureMaxIndirectSegments = "feature-max-indirect-segments";

    /// <summary>Backend: the disk's size in units of <see cref="SectorSize"/>.</summary>
    public const string Sectors = "sectors";

    /// <summary>Backend: the logical sector size in bytes; ParaIo publishes 512.</summary>
    public const string SectorSize = "sector-size";

    /// <summary>Backend: the physical sector size in bytes, a multiple of <see cref="SectorSize"/>.</summary>
    public const string PhysicalSectorSize = "physical-sector-size";

    /// <summary>Backend: <see cref="VdiskInfo"/> bits; <see cref="VdiskInfo.ReadOnly"/> (4) for a read-only disk.</summary>
    public const string Info = "info";

    /// <summary>Backend: "r" or "w", the access the toolstack granted.</summary>
    public const string Mode = "mode";

    /// <summary>Backend: the most queues (rings) a frontend may use.</summary>
    public const string MultiQueueMaxQueues = "multi-queue-max-queues";

    /// <summary>Frontend: the number of queues it set up; each has its keys under <c>queue-N/</c> when above 1.</summary>
    public const string MultiQueueNumQueues = "multi-queue-num-queues";

    /// <summary>Frontend: log2 of the ring's page count (the same key as <c>XenbusPaths.RingPageOrder</c>).</summary>
    public const string RingPageOrder = "ring-page-order";

    /// <summary>Backend: the largest <see cref="RingPageOrder"/> it accepts.</summary>
    public const string MaxRingPageOrder = "max-ring-page-order";
}
