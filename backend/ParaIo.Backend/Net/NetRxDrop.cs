namespace ParaIo.Backend.Net;

/// <summary>Why a frame for the guest was dropped.</summary>
public enum NetRxDrop
{
    /// <summary>The guest had not posted enough rx buffers and no backlog is kept (<see cref="NetBackendOptions.RxBacklogBytes"/> 0).</summary>
    NoBuffers,

    /// <summary>The frame needs several buffers and the frontend did not offer <c>feature-sg</c>.</summary>
    NeedsScatterGather,

    /// <summary>A GSO frame of a kind the frontend did not offer.</summary>
    GsoNotOffered,

    /// <summary>A posted buffer's grant was refused (the frame reached the guest with an error slot).</summary>
    BadGrant,

    /// <summary>The device is stopping or stopped.</summary>
    Stopped,

    /// <summary>The guest had too few rx buffers posted and its queue's backlog was full.</summary>
    BacklogFull,

    /// <summary>The frame waited in the backlog while the guest posted no buffers for <see cref="NetBackendOptions.RxStallTimeout"/>.</summary>
    Stalled,
}
